"""Reading the audit trail as a person reads it: who changed what, from what, to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F, Func, JSONField, QuerySet

from apps.audit.models import AuditEvent
from apps.audit.registry import table_label, user_columns

# Columns that change with every write and tell a reader nothing.
NOISE = {"id", "poc_id", "version", "updated_at", "created_at", "stage_changed_at"}
# Columns a feed row is named by ("checklist item Collect a production sample"), in order.
LABEL_KEYS = ("name", "text", "kind", "user_id")
# A feed shows at most this many characters of a value; the event's own page shows all of it.
PREVIEW_CHARS = 500


@dataclass
class Change:
    field: str
    old: Any
    new: Any
    old_truncated: bool = False
    new_truncated: bool = False


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
    poc_id: int | None = None


def _label(column: str) -> str:
    name = column[:-3] if column.endswith("_id") else column
    return name.replace("_", " ")


class Preview(Func):
    """A row's JSON (``old_data`` or ``new_data``) cut down in SQL to what a feed shows.

    Only the changed columns and the columns a row is named by are kept, and each value longer
    than ``PREVIEW_CHARS`` characters (a string's own characters, any other value's JSON text) is
    cut to that length. The result is ``{"values": {column: value}, "cut": [columns cut]}``, so a
    list of events never brings whole stored values out of the database, however long they are.
    """

    output_field = JSONField()

    def __init__(self, data: str, changed: str = "changed_fields"):
        super().__init__(F(data), F(changed))

    def as_sql(self, compiler, connection, **extra_context):
        data_sql, data_params = compiler.compile(self.source_expressions[0])
        changed_sql, changed_params = compiler.compile(self.source_expressions[1])
        labels = ", ".join(f"'{key}'" for key in LABEL_KEYS)  # constants, no input
        text = "CASE WHEN jsonb_typeof(e.value) = 'string' THEN e.value #>> '{}' ELSE e.value::text END"
        too_long = f"char_length({text}) > {PREVIEW_CHARS}"
        sql = (
            "(SELECT jsonb_build_object("  # noqa: S608 (compiled column references and constants only)
            f"'values', jsonb_object_agg(e.key, CASE WHEN {too_long} "
            f"THEN to_jsonb(left({text}, {PREVIEW_CHARS})) ELSE e.value END), "
            f"'cut', coalesce(jsonb_agg(e.key) FILTER (WHERE {too_long}), '[]'::jsonb)) "
            f"FROM jsonb_each({data_sql}) AS e "
            f"WHERE e.key = ANY({changed_sql}) OR e.key IN ({labels}))"
        )
        return sql, (*data_params, *changed_params)


def events_for_poc(poc_id: int) -> QuerySet[AuditEvent]:
    """The PoC's audit events, newest first, as a queryset (for pagination).

    Each event carries previews of its values (``Preview``) instead of the whole stored JSON;
    ``describe`` reads them and flags each cut value. ``event_for_poc`` gives one event in full.
    """
    return (
        AuditEvent.objects.filter(poc_id=poc_id)
        .order_by("-id")
        .defer("old_data", "new_data", "context")
        .annotate(old_preview=Preview("old_data"), new_preview=Preview("new_data"))
    )


ACTIVITY_PAGE_SIZE = 50


@dataclass
class EventPage:
    """One page of a PoC's events, newest first, with the cursors of the pages beside it.

    ``older`` is the id to pass as ``before`` for the next (older) page, ``newer`` the id to pass
    as ``after`` for the previous (newer) one; None where there is no such page.
    """

    events: list[AuditEvent]
    older: int | None = None
    newer: int | None = None


def _cursor(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None


def event_page(poc_id: int, *, before=None, after=None, size: int = ACTIVITY_PAGE_SIZE) -> EventPage:
    """A page of ``events_for_poc``: the ``size`` events older than ``before`` (or newer than ``after``).

    Keyset pagination on ``(poc_id, id)`` (``audit_event_poc_idx``): the last page of 100,000
    events reads ``size`` + 1 index entries like the first, and nothing counts the trail. Cursors
    are event ids; one that is not a positive number, or one past either end, gives the newest page.
    """
    before, after = _cursor(before), _cursor(after)
    qs = events_for_poc(poc_id)
    if before is not None:
        rows = list(qs.filter(id__lt=before)[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        has_older, has_newer = more, True
    elif after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        rows.reverse()
        has_older, has_newer = True, more
    else:
        rows = list(qs[: size + 1])
        more, rows = len(rows) > size, rows[:size]
        has_older, has_newer = more, False
    if not rows:  # past either end: the newest page
        return event_page(poc_id, size=size) if (before or after) is not None else EventPage(events=[])
    return EventPage(
        events=rows,
        older=rows[-1].pk if has_older else None,
        newer=rows[0].pk if has_newer else None,
    )


def activity_for_poc(poc_id: int, *, limit: int | None = 200) -> list[Activity]:
    """The PoC's changes, newest first, each value cut to ``PREVIEW_CHARS`` characters."""
    qs = events_for_poc(poc_id)
    return describe(list(qs[:limit] if limit else qs))


def event_for_poc(poc_id: int, event_id: int) -> AuditEvent | None:
    """One of the PoC's events with its whole values, or None when the event is not that PoC's."""
    return AuditEvent.objects.filter(poc_id=poc_id, pk=event_id).first()


def _data(event: AuditEvent) -> tuple[dict, set[str], dict, set[str]]:
    """The event's old and new values and the columns cut in each (none when read in full)."""
    if hasattr(event, "old_preview"):
        old, new = event.old_preview or {}, event.new_preview or {}
        return old.get("values") or {}, set(old.get("cut") or ()), new.get("values") or {}, set(new.get("cut") or ())
    return event.old_data or {}, set(), event.new_data or {}, set()


def describe(events: list[AuditEvent]) -> list[Activity]:
    """Events as a person reads them, with people's names in place of their ids (one query).

    A column names a person when the model's field is a foreign key to the user model; a row is
    called by its model's declared label (``Audited(label=...)``). Events from ``events_for_poc``
    carry cut values, each flagged ``old_truncated`` / ``new_truncated``; others are shown whole.
    """
    data_of = {event.pk: _data(event) for event in events}
    user_ids: set[int] = set()
    for event in events:
        if event.actor_id:
            user_ids.add(event.actor_id)
        old, _, new, _ = data_of[event.pk]
        for data in (old, new):
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
        old, old_cut, new, new_cut = data_of[event.pk]
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
                poc_id=event.poc_id,
                changes=[
                    Change(
                        _label(c),
                        show(event.table_name, c, old.get(c)),
                        show(event.table_name, c, new.get(c)),
                        old_truncated=c in old_cut,
                        new_truncated=c in new_cut,
                    )
                    for c in columns
                ],
            )
        )
    return result


def event_count(poc_id: int) -> int:
    """How many changes the audit trail records for a PoC."""
    return AuditEvent.objects.filter(poc_id=poc_id).count()
