"""Reading the audit trail as a person reads it: who changed what, from what, to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model

from apps.audit.models import AuditEvent
from apps.audit.registry import table_label, user_columns

# Columns that change with every write and tell a reader nothing.
NOISE = {"id", "poc_id", "version", "updated_at", "created_at", "stage_changed_at"}


@dataclass
class Change:
    field: str
    old: Any
    new: Any


@dataclass
class Activity:
    id: int
    when: datetime
    actor: str
    actor_id: int | None
    table: str
    object_label: str
    op: str
    verb: str
    changes: list[Change] = field(default_factory=list)


def _label(column: str) -> str:
    name = column[:-3] if column.endswith("_id") else column
    return name.replace("_", " ")


def activity_for_poc(poc_id: int, *, limit: int | None = 200) -> list[Activity]:
    """The PoC's changes, newest first."""
    qs = AuditEvent.objects.filter(poc_id=poc_id).order_by("-id")
    return describe(list(qs[:limit] if limit else qs))


def events_for_poc(poc_id: int):
    """The PoC's audit events, newest first, as a queryset (for pagination)."""
    return AuditEvent.objects.filter(poc_id=poc_id).order_by("-id")


def describe(events: list[AuditEvent]) -> list[Activity]:
    """Events as a person reads them, with people's names in place of their ids (one query).

    A column names a person when the model's field is a foreign key to the user model; a row is
    called by its model's declared label (``Audited(label=...)``).
    """
    user_ids: set[int] = set()
    for event in events:
        if event.actor_id:
            user_ids.add(event.actor_id)
        for data in (event.old_data or {}, event.new_data or {}):
            for column in user_columns(event.table_name) & data.keys():
                if data[column] is not None:
                    user_ids.add(int(data[column]))
    names = {u.pk: str(u) for u in get_user_model().objects.filter(pk__in=user_ids)}

    def show(table: str, column: str, value: Any) -> Any:
        if column in user_columns(table) and value is not None:
            return names.get(int(value), f"user #{value}")
        return value

    result = []
    for event in events:
        old, new = event.old_data or {}, event.new_data or {}
        columns = [c for c in event.changed_fields if c not in NOISE]
        if event.op != AuditEvent.Op.UPDATE:
            columns = [c for c in columns if (new or old).get(c) not in (None, "", [], {})]
        data = new or old
        label = table_label(event.table_name)
        obj = (
            data.get("name")
            or data.get("text")
            or data.get("kind")
            or (show(event.table_name, "user_id", data["user_id"]) if "user_id" in data else "")
        )
        result.append(
            Activity(
                id=event.id,
                when=event.occurred_at,
                actor=names.get(event.actor_id, "system") if event.actor_id else "system",
                actor_id=event.actor_id,
                table=event.table_name,
                object_label=f"{label} {obj}".strip() if obj else label,
                op=event.op,
                verb=AuditEvent.Op(event.op).label,
                changes=[
                    Change(_label(c), show(event.table_name, c, old.get(c)), show(event.table_name, c, new.get(c)))
                    for c in columns
                ],
            )
        )
    return result


def event_count(poc_id: int) -> int:
    """How many changes the audit trail records for a PoC."""
    return AuditEvent.objects.filter(poc_id=poc_id).count()
