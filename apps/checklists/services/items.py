"""Changing a checklist item."""

from __future__ import annotations

from typing import Any

from apps.accounts.models import User
from apps.checklists import permissions
from apps.checklists.models import ChecklistItem
from apps.core.versioning import assign, check_fields, refuse, versioned_update
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.services import check_open
from apps.pocs.signals import inputs_changed

ITEM_FIELDS = ("status", "owner", "due_date", "evidence_url", "evidence_note", "notes", "justification")


def item_snapshot(item: ChecklistItem) -> dict[str, Any]:
    """The editable state of an item as the API shows it (the owner as a user id)."""
    return {
        "status": item.status,
        "owner": item.owner_id,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "evidence_url": item.evidence_url,
        "evidence_note": item.evidence_note,
        "notes": item.notes,
        "justification": item.justification,
    }


def _owner(poc: PoC, value: Any) -> User | None:
    """The person named as owner: an active account on the PoC, or nobody."""
    if value in (None, ""):
        return None
    if isinstance(value, User):
        user = value
    else:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise refuse("owner", "Give a person's id.") from None
        user = User.objects.filter(pk=pk).first()
    if user is None or not user.is_active:
        raise refuse("owner", "No active person has this id.")
    if not access.is_on_poc(poc, user):
        raise refuse("owner", f"{user} is not on this PoC; add them on the People tab first.")
    return user


def checklist_item_update(
    *, item: ChecklistItem, user: User, changes: dict[str, Any], version: int | None
) -> ChecklistItem:
    """Change an item's status, owner, due date, evidence link or note, notes or justification.

    Accepting a risk needs a written justification; the production owner may change the ops
    handover items (reason 4) only; only people on the PoC may own an item.
    """
    check_fields(changes, ITEM_FIELDS)
    poc = item.poc
    permissions.check_item(poc, user, item.reason)
    check_open(poc)

    def apply(row: ChecklistItem, changes: dict[str, Any]) -> list[str]:
        for field, value in changes.items():
            if field == "owner":
                row.owner = _owner(poc, value)
            else:
                assign(row, field, value)
        inputs_changed(row.poc_id)
        return list(changes)  # the model's clean() holds the justification rule whichever field changed

    return versioned_update(
        obj=item, user=user, changes=changes, version=version, apply=apply, snapshot=item_snapshot, what="item"
    )
