"""Reading the audit trail as a person reads it: who changed what, from what, to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from apps.accounts.models import User
from apps.audit.models import AuditEvent

# Columns that change with every write and tell a reader nothing.
NOISE = {"id", "poc_id", "version", "updated_at", "created_at", "stage_changed_at"}
TABLE_LABELS = {"pocs_poc": "PoC", "pocs_membership": "membership"}
USER_COLUMNS = {
    "lead_id",
    "production_owner_id",
    "decision_maker_id",
    "user_id",
    "created_by_id",
    "added_by_id",
    "owner_id",
}


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


def register_table_label(table: str, label: str) -> None:
    TABLE_LABELS[table] = label


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
    """Events as a person reads them, with people's names in place of their ids (one query)."""
    user_ids: set[int] = set()
    for event in events:
        if event.actor_id:
            user_ids.add(event.actor_id)
        for data in (event.old_data or {}, event.new_data or {}):
            for column in USER_COLUMNS & data.keys():
                if data[column] is not None:
                    user_ids.add(int(data[column]))
    names = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids).only("pk", "full_name", "email")}

    def show(column: str, value: Any) -> Any:
        if column in USER_COLUMNS and value is not None:
            return names.get(int(value), f"user #{value}")
        return value

    result = []
    for event in events:
        old, new = event.old_data or {}, event.new_data or {}
        columns = [c for c in event.changed_fields if c not in NOISE]
        if event.op != AuditEvent.Op.UPDATE:
            columns = [c for c in columns if (new or old).get(c) not in (None, "", [], {})]
        data = new or old
        label = TABLE_LABELS.get(event.table_name, event.table_name)
        obj = (
            data.get("name")
            or data.get("text")
            or data.get("kind")
            or (show("user_id", data["user_id"]) if "user_id" in data else "")
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
                changes=[Change(_label(c), show(c, old.get(c)), show(c, new.get(c))) for c in columns],
            )
        )
    return result
