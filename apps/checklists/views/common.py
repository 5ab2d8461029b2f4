"""What every kickoff view shares: loading the page's rows, and answering htmx with out-of-band updates."""

from __future__ import annotations

from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from apps.accounts.models import User
from apps.checklists import permissions, selectors
from apps.checklists.forms import ItemForm, item_initial
from apps.checklists.models import ChecklistItem, Reason, Status
from apps.core.errors import ConflictError
from apps.core.forms import conflict_box
from apps.pocs import access, header
from apps.pocs.models import PoC

PAGE = "checklists/kickoff.html"
OPEN = (Status.OPEN, Status.IN_PROGRESS)


def owner_choices(poc: PoC) -> list[tuple[int, str]]:
    """The people on the PoC, who may own an item (one query)."""
    named = [pk for pk in (poc.lead_id, poc.production_owner_id, poc.decision_maker_id) if pk]
    people = User.objects.filter(Q(pk__in=named) | Q(memberships__poc=poc), is_active=True).distinct()
    return [(u.pk, str(u)) for u in people.order_by("full_name", "email")]


def item_row(
    item: ChecklistItem, rights, choices=None, *, mode: str = "line", form=None, conflict=None, upload_error=""
) -> dict:
    """One item as the page shows it: ``line`` (one line, Edit), ``edit`` (its form) or ``detail`` (read)."""
    if mode == "edit" and form is None:
        form = ItemForm(initial=item_initial(item), item=item, owner_choices=choices or [])
    return {
        "item": item,
        "mode": mode,
        "form": form,
        "editable": rights.item(item.reason),
        "conflict": conflict,
        "upload_error": upload_error,
        "evidence": sum(1 for part in (item.evidence_url, item.evidence_note, item.evidence_file) if part),
        "overdue": bool(item.due_date and item.due_date < timezone.localdate() and item.status in OPEN),
    }


def progress(risks) -> dict:
    """The whole checklist's progress: how many items are done or accepted as a risk, of how many."""
    resolved, total = sum(r.resolved for r in risks), sum(r.total for r in risks)
    return {"resolved": resolved, "total": total}


def risk_context(poc: PoC, risks) -> dict:
    return {
        "poc": poc, "risks": risks, "summary": selectors.risk_summary(risks), "overall": progress(risks),
        "stall_risks": risks,
    }


def page_context(request, poc: PoC) -> dict:
    """Everything the kickoff page shows, in a fixed number of queries.

    Every row is read-only on the page (one line per item, a card per question): a row's form is
    fetched only when its Edit is clicked, so the page renders no form and reads no owner choices.
    """
    items = selectors.checklist_items(poc)
    validations = selectors.validations(poc)
    acknowledgements = selectors.acknowledgements(poc)
    case = selectors.business_case(poc)
    risks = selectors.stall_risk(poc, items=items, business_case=case, validations=validations)
    rights = permissions.rights(poc, request.user)
    by_reason = {risk.reason: risk for risk in risks}
    groups = [
        {
            "reason": reason,
            "label": Reason(reason).label,
            "risk": by_reason[reason],
            "rows": [item_row(i, rights) for i in items if i.reason == reason],
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
        "validations": validations,
        "acknowledgements": acknowledgements,
        "business_case": case,
    }


def saved(request, poc: PoC, html: str, *, reason: int | None = None, message: str = "Saved"):
    """The answer to a kickoff save over htmx: ``html``, then out-of-band swaps of what depends on it.

    The risk panel, the overall progress and (for an item) its reason's progress follow here; the
    header with its stall-risk badge follows through ``pocs.header.saved_response``, which also
    announces "Saved".
    """
    risks = selectors.stall_risk(poc)
    ctx = {**risk_context(poc, risks), "oob": True}
    parts = [html, render_to_string(f"{PAGE}#risk-panel", ctx, request=request)]
    parts.append(render_to_string(f"{PAGE}#overall-progress", ctx, request=request))
    if reason is not None:
        risk = next(r for r in risks if r.reason == reason)
        parts.append(render_to_string(f"{PAGE}#reason-progress", {**ctx, "risk": risk}, request=request))
    return header.saved_response(request, poc, "".join(parts), page_context=ctx, message=message)


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
