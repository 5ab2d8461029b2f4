"""Integration pages under ``/pocs/<pk>/integrations/``: the integrations, the production concerns, the
totals and verdict, and the diagram drawn from them.

Every view starts from ``access.get_poc_for_user`` (404 for a PoC the user cannot see, 403 for a
write they may not make). Rows follow the inline-edit pattern (docs/architecture.md): the page
renders no form until Edit is clicked; each row's URL answers its form (GET), its read state
(``?cancel=1`` over htmx) and saves (POST). A save over htmx answers the row, then the totals and
the diagram out of band, then the header (``pocs.header.saved_response``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.core.forms import conflict_box, rearmed, save_form
from apps.integrations import forms, selectors, services
from apps.integrations.models import Integration, ProductionConcern
from apps.pocs import access, header
from apps.pocs.models import Stage

PAGE = "integrations/index.html"
TAB = "integrations"
SVG_HEADERS = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'"}


@dataclass(frozen=True)
class Kind:
    """What differs between an integration row and a concern row."""

    model: type
    form: type
    update: object
    delete: object
    keyword: str
    fields: tuple[str, ...]
    partial: str
    anchor: str
    label: str


KINDS = {
    "integration": Kind(Integration, forms.IntegrationForm, services.integration_update, services.integration_delete,
                        "integration", services.INTEGRATION_FIELDS, "integration", "integration-{pk}",
                        "integration"),
    "concern": Kind(ProductionConcern, forms.ConcernForm, services.concern_update, services.concern_delete,
                    "concern", services.CONCERN_EDIT_FIELDS, "concern", "concern-{pk}", "production concern"),
}


def can_edit(poc, user) -> bool:
    """Whether ``user`` may change the PoC's integrations now (never on a decided PoC)."""
    return poc.stage != Stage.DECIDED and access.allowed(poc, user, access.EDIT)


def panels(poc, integrations, concerns, *, oob: bool = False) -> dict:
    """The totals and the diagram, from rows already loaded (no query of their own)."""
    return {
        "summary": selectors.summary(poc, integrations=integrations, concerns=concerns),
        "diagram": mark_safe(selectors.diagram_svg(poc, integrations=integrations, concerns=concerns)),  # noqa: S308  (escaped by its template)
        "oob": oob,
    }


def page_context(request, poc, **extra) -> dict:
    """Everything the page shows, in a fixed number of queries whatever the number of rows."""
    integrations = selectors.integrations_for(poc)
    concerns = selectors.concerns_for(poc)
    editable = can_edit(poc, request.user)
    return {
        "poc": poc,
        "tab": TAB,
        "can_edit": editable,
        "integrations": integrations,
        "concerns": concerns,
        "add_integration": forms.IntegrationCreateForm() if editable else None,
        "add_concern": forms.ConcernCreateForm() if editable else None,
        **panels(poc, integrations, concerns),
        **extra,
    }


def saved(request, poc, html: str, *, message: str = "Saved"):
    """An htmx save's answer: ``html``, the totals and the diagram out of band, then the header."""
    ctx = {"poc": poc, **panels(poc, selectors.integrations_for(poc), selectors.concerns_for(poc), oob=True)}
    parts = [html, render_to_string(f"{PAGE}#totals", ctx, request=request),
             render_to_string(f"{PAGE}#diagram", ctx, request=request)]
    return header.saved_response(request, poc, "".join(parts), message=message)


@login_required
@require_GET
def index(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return render(request, PAGE, page_context(request, poc))


@login_required
@require_GET
def diagram(request, pk):
    """The diagram alone, as an SVG file."""
    poc = access.get_poc_for_user(request.user, pk)
    response = HttpResponse(selectors.diagram_svg(poc), content_type="image/svg+xml")
    for name, value in SVG_HEADERS.items():
        response[name] = value
    return response


# --- Adding and removing ------------------------------------------------------------------------------


def _list_answer(request, poc, section: str, *, status: int = 200, message: str = "", anchor: str = "", **extra):
    """After adding or removing: the section again over htmx (with the panels), else the page or a redirect."""
    if request.htmx:
        ctx = page_context(request, poc, **extra)
        html = render_to_string(f"{PAGE}#{section}", ctx, request=request)
        if status == 200:
            return saved(request, poc, html, message=message)
        return HttpResponse(html, status=status)
    if status == 200:
        messages.success(request, f"{message}.")
        return redirect(reverse("integrations:index", args=[poc.pk]) + f"#{anchor or section}")
    return render(request, PAGE, page_context(request, poc, **extra), status=status)


@login_required
@require_POST
def integration_create(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = forms.IntegrationCreateForm(request.POST)
    outcome = save_form(form, lambda data: services.integration_create(poc=poc, user=request.user, data=data))
    if not outcome.ok:
        return _list_answer(request, poc, "integrations", status=400, add_integration=form)
    row = outcome.result
    return _list_answer(request, poc, "integrations", message=f"Added “{row.system}”", anchor=f"integration-{row.pk}")


@login_required
@require_POST
def concern_create(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = forms.ConcernCreateForm(request.POST)
    outcome = save_form(
        form, lambda data: services.concern_create(poc=poc, user=request.user, data={**data, "concern": "custom"})
    )
    if not outcome.ok:
        return _list_answer(request, poc, "concerns", status=400, add_concern=form)
    row = outcome.result
    return _list_answer(request, poc, "concerns", message=f"Added “{row.name}”", anchor=f"concern-{row.pk}")


def _delete(request, pk, row_id, kind: Kind):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    row = get_object_or_404(kind.model, poc=poc, pk=row_id)
    row.poc = poc
    section = "integrations" if kind.model is Integration else "concerns"
    try:
        kind.delete(**{kind.keyword: row}, user=request.user, version=request.POST.get("version"))
    except ServiceError as exc:
        if request.htmx:
            ctx = page_context(request, poc)
            ctx.update(row=row, editing=False, form=None, conflict=None, problem=exc.message)
            return HttpResponse(render_to_string(f"{PAGE}#{kind.partial}", ctx, request=request), status=400)
        messages.error(request, exc.message)
        return redirect(reverse("integrations:index", args=[poc.pk]) + "#" + kind.anchor.format(pk=row.pk))
    return _list_answer(request, poc, section, message=f"Removed “{row.label}”")


@login_required
@require_POST
def integration_delete(request, pk, integration_id):
    return _delete(request, pk, integration_id, KINDS["integration"])


@login_required
@require_POST
def concern_delete(request, pk, concern_id):
    return _delete(request, pk, concern_id, KINDS["concern"])


# --- One row: its form, its read state, saving it ----------------------------------------------------


def _row(request, pk, row_id, kind: Kind):
    """GET: the row's form to those who may edit (its read state with ``?cancel=1``); POST: save it.

    htmx gets the row's partial (after a save, with the totals, diagram and header out of band);
    without JavaScript the row has a page of its own and a save comes back to its anchor.
    """
    poc = access.get_poc_for_user(request.user, pk)
    row = get_object_or_404(kind.model.objects.select_related("owner"), poc=poc, pk=row_id)
    row.poc = poc
    editable = can_edit(poc, request.user)
    ctx = {"poc": poc, "row": row, "can_edit": editable, "editing": False, "form": None, "conflict": None}
    status = 200
    if request.method == "GET":
        if editable and not (request.GET.get("cancel") and request.htmx):
            initial = forms.initial_for(row, [f for f in kind.fields if f in kind.form.base_fields])
            ctx.update(editing=True, form=kind.form(initial=initial, row=row))
    else:
        access.check(poc, request.user, access.EDIT)
        form = kind.form(request.POST, row=row)
        outcome = save_form(
            form,
            lambda data: kind.update(**{kind.keyword: row}, user=request.user, changes=form.changes(),
                                     version=data["version"]),
        )
        status = outcome.status
        if outcome.ok:
            row = outcome.result
            row.poc = poc
            ctx["row"] = row
        elif outcome.conflict:
            row = kind.model.objects.select_related("owner").get(pk=row.pk)
            row.poc = poc
            form = kind.form(rearmed(request.POST, row.version), row=row)
            labels = {name: (field.label or name.replace("_", " ")) for name, field in form.fields.items()}
            typed = form.cleaned_data if form.is_valid() else {}

            def display(field, value):
                if field == "owner":
                    return str(row.owner) if row.owner_id else "nobody"
                return value

            ctx.update(row=row, conflict=conflict_box(outcome.conflict, typed=typed, labels=labels, display=display))
        if not outcome.ok:
            ctx.update(editing=True, form=form)
    if request.htmx:
        html = render_to_string(f"{PAGE}#{kind.partial}", ctx, request=request)
        if request.method == "POST" and status == 200:
            return saved(request, poc, html, message=f"Saved “{row.label}”")
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved.")
        return redirect(reverse("integrations:index", args=[poc.pk]) + "#" + kind.anchor.format(pk=row.pk))
    return render(request, "integrations/row_page.html", {**ctx, "partial": f"{PAGE}#{kind.partial}",
                                                          "label": kind.label}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def integration(request, pk, integration_id):
    return _row(request, pk, integration_id, KINDS["integration"])


@login_required
@require_http_methods(["GET", "POST"])
def concern(request, pk, concern_id):
    return _row(request, pk, concern_id, KINDS["concern"])


