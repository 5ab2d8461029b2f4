"""What every kickoff view shares: loading the page's rows, and answering htmx with out-of-band updates."""

from __future__ import annotations

from django.db.models import Q
from django.template.loader import render_to_string

from apps.accounts.models import User
from apps.checklists import forms, permissions, selectors
from apps.checklists.forms import ItemForm, item_initial
from apps.checklists.models import ANSWERED_WHERE_SUGGESTIONS, ChecklistItem, Reason, Status
from apps.checklists.services import ACKNOWLEDGEMENT_FIELDS, BUSINESS_CASE_FIELDS, VALIDATION_FIELDS
from apps.core.errors import ConflictError
from apps.core.forms import conflict_box
from apps.pocs import access
from apps.pocs.models import PoC

PAGE = "checklists/kickoff.html"


def owner_choices(poc: PoC) -> list[tuple[int, str]]:
    """The people on the PoC, who may own an item (one query)."""
    named = [pk for pk in (poc.lead_id, poc.production_owner_id, poc.decision_maker_id) if pk]
    people = User.objects.filter(Q(pk__in=named) | Q(memberships__poc=poc), is_active=True).distinct()
    return [(u.pk, str(u)) for u in people.order_by("full_name", "email")]


def item_row(item: ChecklistItem, rights, choices, *, form=None, conflict=None, upload_error="") -> dict:
    return {
        "item": item,
        "form": form or ItemForm(initial=item_initial(item), item=item, owner_choices=choices),
        "editable": rights.item(item.reason),
        "conflict": conflict,
        "upload_error": upload_error,
    }


def risk_context(poc: PoC, risks) -> dict:
    return {"poc": poc, "risks": risks, "summary": selectors.risk_summary(risks)}


def page_context(request, poc: PoC) -> dict:
    """Everything the kickoff page shows, in a fixed number of queries."""
    items = selectors.checklist_items(poc)
    validations = selectors.validations(poc)
    acknowledgements = selectors.acknowledgements(poc)
    case = selectors.business_case(poc)
    risks = selectors.stall_risk(poc, items=items, business_case=case, validations=validations)
    rights = permissions.rights(poc, request.user)
    choices = owner_choices(poc) if rights.any else []
    by_reason = {risk.reason: risk for risk in risks}
    groups = [
        {
            "reason": reason,
            "label": Reason(reason).label,
            "risk": by_reason[reason],
            "rows": [item_row(i, rights, choices) for i in items if i.reason == reason],
        }
        for reason in Reason.values
    ]
    return {
        **risk_context(poc, risks),
        "tab": "kickoff",
        "can_edit": rights.edit,
        "can_manage": access.allowed(poc, request.user, access.MANAGE),
        "rights": rights,
        "groups": groups,
        "validation_rows": [
            {"row": v, "form": forms.ValidationForm(initial=forms.initial_for(v, VALIDATION_FIELDS), row=v)}
            for v in validations
        ],
        "acknowledgement_rows": [
            {"row": a, "form": forms.AcknowledgementForm(initial=forms.initial_for(a, ACKNOWLEDGEMENT_FIELDS), row=a)}
            for a in acknowledgements
        ],
        "business_case": case,
        "business_case_form": case and forms.BusinessCaseForm(
            initial=forms.initial_for(case, BUSINESS_CASE_FIELDS), row=case
        ),
        "answered_where_suggestions": list(ANSWERED_WHERE_SUGGESTIONS.values()),
        "stall_risks": risks,
    }


def render_with_risk(request, poc: PoC, html: str, *, reason: int | None = None) -> str:
    """``html`` followed by out-of-band swaps: the risk badge, the risk panel, and a reason's progress."""
    risks = selectors.stall_risk(poc)
    ctx = {**risk_context(poc, risks), "oob": True}
    parts = [html, render_to_string("checklists/_risk_badge.html", ctx, request=request)]
    parts.append(render_to_string(f"{PAGE}#risk-panel", ctx, request=request))
    if reason is not None:
        risk = next(r for r in risks if r.reason == reason)
        parts.append(render_to_string(f"{PAGE}#reason-progress", {**ctx, "risk": risk}, request=request))
    return "".join(parts)


ITEM_LABELS = {
    "status": "Status", "owner": "Owner", "due_date": "Due", "evidence_url": "Evidence link",
    "evidence_note": "Evidence note", "notes": "Notes", "justification": "Justification",
}


def item_conflict(exc: ConflictError, current: ChecklistItem, typed: dict) -> dict:
    """The conflict to show: the message and, per field the user changed, the value saved meanwhile."""

    def display(field, value):
        if field == "status":
            return Status(value).label if value else "—"
        if field == "owner":
            return str(current.owner) if current.owner_id else "nobody"
        return value

    return conflict_box(exc, typed={**typed, "owner": typed.get("owner")}, labels=ITEM_LABELS, display=display)
