"""Saving the validation questions, the acknowledged limits and the business case."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_POST

from apps.checklists import forms, permissions, services
from apps.checklists.models import Acknowledgement, BusinessCase, ValidationQuestion
from apps.checklists.views.common import PAGE, render_with_risk
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


def _save(request, poc, partial: str, row):
    """Validate, call the section's service, and answer with the section (and risk updates for htmx)."""
    _model, _form_class, service, keyword, _fields, anchor = SECTIONS[partial]
    permissions.check_edit(poc, request.user)
    row.poc = poc
    form = section_form(partial, row, request.POST)
    outcome = save_form(
        form, lambda data: service(**{keyword: row}, user=request.user, changes=form.changes(), version=data["version"])
    )
    conflict = None
    if outcome.ok:
        row = outcome.result
        form = section_form(partial, row)
    elif outcome.conflict:
        row = type(row).objects.get(pk=row.pk)
        row.poc = poc
        form = section_form(partial, row, rearmed(request.POST, row.version))
        labels = {name: (field.label or name.replace("_", " ")) for name, field in form.fields.items()}
        conflict = conflict_box(outcome.conflict, typed=form.cleaned_data if form.is_valid() else {}, labels=labels)
    status = outcome.status
    ctx = {"poc": poc, "row": row, "form": form, "conflict": conflict, "can_edit": True}
    if request.htmx:
        html = render_to_string(f"{PAGE}#{partial}", ctx, request=request)
        return HttpResponse(render_with_risk(request, poc, html) if status == 200 else html, status=status)
    if status == 200:
        messages.success(request, "Saved.")
        fragment = anchor.format(kind=getattr(row, "kind", ""))
        return redirect(reverse("checklists:kickoff", args=[poc.pk]) + "#" + fragment)
    return render(request, "checklists/section_page.html", {**ctx, "partial": f"{PAGE}#{partial}"}, status=status)


@login_required
@require_POST
def validation(request, pk, validation_id):
    poc = access.get_poc_for_user(request.user, pk)
    return _save(request, poc, "validation", get_object_or_404(ValidationQuestion, poc=poc, pk=validation_id))


@login_required
@require_POST
def acknowledgement(request, pk, acknowledgement_id):
    poc = access.get_poc_for_user(request.user, pk)
    return _save(request, poc, "acknowledgement", get_object_or_404(Acknowledgement, poc=poc, pk=acknowledgement_id))


@login_required
@require_POST
def business_case(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return _save(request, poc, "business-case", get_object_or_404(BusinessCase, poc=poc))
