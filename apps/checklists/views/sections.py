"""Saving the validation questions, the acknowledged limits and the business case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.checklists import forms, permissions, services
from apps.checklists.models import ANSWERED_WHERE_SUGGESTIONS, Acknowledgement, BusinessCase, ValidationQuestion
from apps.checklists.views.common import PAGE, saved
from apps.core.forms import conflict_box, rearmed, save_form
from apps.pocs import access

SECTIONS = {
    # partial name -> (model, form, service, service keyword, fields, anchor)
    "validation": (ValidationQuestion, forms.ValidationForm, services.validation_update, "validation",
                   services.VALIDATION_FIELDS, "validation-{kind}"),
    "acknowledgement": (Acknowledgement, forms.AcknowledgementForm, services.acknowledgement_update,
                        "acknowledgement", services.ACKNOWLEDGEMENT_FIELDS, "ack-{kind}"),
    "business-case": (BusinessCase, forms.BusinessCaseForm, services.business_case_update, "business_case",
                      services.BUSINESS_CASE_FIELDS, "business-case"),
}


def section_form(partial: str, row, data=None):
    _model, form_class, _service, _kw, fields, _anchor = SECTIONS[partial]
    if data is not None:
        return form_class(data, row=row)
    return form_class(initial=forms.initial_for(row, fields), row=row)


def _section(request, poc, partial: str, row):
    """GET: the section's form to those who may edit (its read card with ``?cancel=1``); POST: save it.

    htmx gets the partial (after a save, with out-of-band updates); without JavaScript the form
    has a page of its own and a save comes back to the section on the kickoff page.
    """
    _model, _form_class, service, keyword, _fields, anchor = SECTIONS[partial]
    row.poc = poc
    can_edit = permissions.rights(poc, request.user).edit
    ctx = {"poc": poc, "row": row, "can_edit": can_edit, "editing": False, "form": None, "conflict": None,
           "answered_where_suggestions": list(ANSWERED_WHERE_SUGGESTIONS.values())}
    status = 200
    if request.method == "GET":
        if can_edit and not (request.GET.get("cancel") and request.htmx):
            ctx.update(editing=True, form=section_form(partial, row))
    else:
        permissions.check_edit(poc, request.user)
        form = section_form(partial, row, request.POST)
        outcome = save_form(
            form,
            lambda data: service(**{keyword: row}, user=request.user, changes=form.changes(), version=data["version"]),
        )
        status = outcome.status
        if outcome.ok:
            ctx["row"] = row = outcome.result
            row.poc = poc
        elif outcome.conflict:
            row = type(row).objects.get(pk=row.pk)
            row.poc = poc
            form = section_form(partial, row, rearmed(request.POST, row.version))
            labels = {name: (field.label or name.replace("_", " ")) for name, field in form.fields.items()}
            typed = form.cleaned_data if form.is_valid() else {}
            ctx.update(row=row, conflict=conflict_box(outcome.conflict, typed=typed, labels=labels))
        if not outcome.ok:
            ctx.update(editing=True, form=form)
    if request.htmx:
        html = render_to_string(f"{PAGE}#{partial}", ctx, request=request)
        if request.method == "POST" and status == 200:
            return saved(request, poc, html)
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved.")
        fragment = anchor.format(kind=getattr(row, "kind", ""))
        return redirect(reverse("checklists:kickoff", args=[poc.pk]) + "#" + fragment)
    return render(request, "checklists/section_page.html", {**ctx, "partial": f"{PAGE}#{partial}"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def validation(request, pk, validation_id):
    poc = access.get_poc_for_user(request.user, pk)
    return _section(request, poc, "validation", get_object_or_404(ValidationQuestion, poc=poc, pk=validation_id))


@login_required
@require_http_methods(["GET", "POST"])
def acknowledgement(request, pk, acknowledgement_id):
    poc = access.get_poc_for_user(request.user, pk)
    row = get_object_or_404(Acknowledgement, poc=poc, pk=acknowledgement_id)
    return _section(request, poc, "acknowledgement", row)


@login_required
@require_http_methods(["GET", "POST"])
def business_case(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return _section(request, poc, "business-case", get_object_or_404(BusinessCase, poc=poc))
