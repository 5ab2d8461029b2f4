"""The kickoff page and inline editing of its checklist items."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from apps.checklists import permissions, services
from apps.checklists.forms import ItemForm
from apps.checklists.models import ChecklistItem
from apps.checklists.views.common import (
    PAGE,
    item_conflict,
    item_row,
    owner_choices,
    page_context,
    saved,
)
from apps.core.forms import rearmed, save_form
from apps.pocs import access
from apps.pocs import selectors as poc_selectors


@login_required
@require_GET
def kickoff(request, pk):
    poc = access.get_poc_for_user(request.user, pk, queryset=poc_selectors.pocs_for_user(request.user))
    return render(request, PAGE, page_context(request, poc))


def get_item(request, pk, item_id):
    poc = access.get_poc_for_user(request.user, pk)
    item = get_object_or_404(ChecklistItem.objects.select_related("owner"), poc=poc, pk=item_id)
    item.poc = poc
    return poc, item


def render_item(request, poc, row, *, status=200, with_risk=False, message="Saved"):
    """The item's partial for htmx (plus out-of-band updates after a save), or a page of its own without JS."""
    ctx = {"poc": poc, "row": row}
    if request.htmx:
        html = render_to_string(f"{PAGE}#item", ctx, request=request)
        if with_risk:
            return saved(request, poc, html, reason=row["item"].reason, message=message)
        return HttpResponse(html, status=status)
    return render(request, "checklists/item_page.html", ctx, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def kickoff_item(request, pk, item_id):
    """GET shows one item: its form to those who may edit it (its line with ``?cancel=1``); POST saves it.

    Without JavaScript the item has a page of its own (the Edit link's address) whose form posts
    here and comes back to the item on the kickoff page.
    """
    poc, item = get_item(request, pk, item_id)
    rights = permissions.rights(poc, request.user)
    editable = rights.item(item.reason)
    if request.method == "GET":
        if request.GET.get("cancel") and request.htmx:
            return render_item(request, poc, item_row(item, rights))
        if not editable:
            return render_item(request, poc, item_row(item, rights, mode="detail"))
        return render_item(request, poc, item_row(item, rights, owner_choices(poc), mode="edit"))

    permissions.check_item(poc, request.user, item.reason)
    choices = owner_choices(poc)
    form = ItemForm(request.POST, item=item, owner_choices=choices)
    outcome = save_form(
        form,
        lambda data: services.checklist_item_update(
            item=item, user=request.user, changes=form.changes(), version=data["version"]
        ),
    )
    if outcome.conflict:
        current = ChecklistItem.objects.select_related("owner").get(pk=item.pk)
        current.poc = poc
        # Keep what the user typed and arm the form with the version they have now seen, so
        # saving again replaces the current values on purpose.
        form = ItemForm(rearmed(request.POST, current.version), item=current, owner_choices=choices)
        conflict = item_conflict(outcome.conflict, current, form.cleaned_data if form.is_valid() else {})
        row = item_row(current, rights, mode="edit", form=form, conflict=conflict)
        return render_item(request, poc, row, status=409)
    if not outcome.ok:
        return render_item(request, poc, item_row(item, rights, mode="edit", form=form), status=outcome.status)
    item = outcome.result
    item.poc = poc
    if request.htmx:
        return render_item(request, poc, item_row(item, rights), with_risk=True)
    messages.success(request, f"Saved “{item.text}”.")
    return redirect(reverse("checklists:kickoff", args=[poc.pk]) + f"#item-{item.pk}")
