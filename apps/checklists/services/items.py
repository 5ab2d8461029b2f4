"""Changing a checklist item."""

from __future__ import annotations

import datetime
from typing import Any

from apps.accounts.models import User
from apps.checklists import permissions
from apps.checklists.models import ChecklistItem, Status
from apps.checklists.services.common import (
    check_fields,
    check_open,
    check_url,
    clean_text,
    refuse,
    versioned_update,
)
from apps.pocs.models import PoC

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
    if value in (None, ""):
        return None
    user = value if isinstance(value, User) else User.objects.filter(pk=_int(value, "owner"), is_active=True).first()
    if user is None or not user.is_active:
        raise refuse("owner", "No active person has this id.")
    if not PoC.objects.visible_to(user).filter(pk=poc.pk).exists():
        raise refuse("owner", f"{user} is not on this PoC; add them on the People tab first.")
    return user


def _int(value: Any, field: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise refuse(field, "Give a person's id.") from None


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise refuse("due_date", "Give the date as YYYY-MM-DD.") from None


def _apply(poc: PoC):
    def apply(item: ChecklistItem, changes: dict[str, Any]) -> list[str]:
        fields = []
        for field, value in changes.items():
            if field == "owner":
                item.owner = _owner(poc, value)
            elif field == "due_date":
                item.due_date = _date(value)
            elif field == "status":
                if value not in Status.values:
                    raise refuse("status", f"Choose one of: {', '.join(Status.values)}.")
                item.status = value
            else:
                setattr(item, field, clean_text(value))
            fields.append(field)
        check_url("evidence_url", item.evidence_url)
        if item.status == Status.ACCEPTED_RISK and not item.justification.strip():
            raise refuse("justification", "Write why this risk is accepted rather than fixed.")
        return fields

    return apply


def checklist_item_update(
    *, item: ChecklistItem, user: User, changes: dict[str, Any], version: int | None
) -> ChecklistItem:
    """Change an item's status, owner, due date, evidence link or note, notes or justification.

    Accepting a risk needs a written justification; the production owner may change the ops
    handover items (reason 4) only.
    """
    check_fields(changes, ITEM_FIELDS)
    poc = item.poc
    permissions.check_item(poc, user, item.reason)
    check_open(poc)
    return versioned_update(
        obj=item, user=user, changes=changes, version=version, apply=_apply(poc), snapshot=item_snapshot,
        what="item",
    )
