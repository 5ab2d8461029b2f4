"""Reading the audit trail as a person reads it: who changed what, from what, to what."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import F, Func, JSONField, QuerySet

from apps.audit.models import AuditEvent
from apps.audit.registry import columns_of, kind_table, poc_kinds, table_label, user_columns

# Columns that change with every write and tell a reader nothing.
NOISE = {"id", "poc_id", "version", "updated_at", "created_at", "stage_changed_at"}
# Columns a feed row is named by ("checklist item Collect a production sample"), in order.
LABEL_KEYS = ("name", "text", "kind", "user_id")
# A feed shows at most this many characters of a value; the event's own page shows all of it.
PREVIEW_CHARS = 500


@dataclass
class Change:
    """One changed column. ``old`` / ``new`` are the stored values (people by name); ``label`` is the
    field's name as the model gives it, ``old_shown`` / ``new_shown`` what a person reads (a choice's
    label, a file's name, a related row's name) and ``type`` how to write it (``date``, ``datetime``,
    ``boolean``, ``number`` or ``text``)."""

    field: str
    old: Any
    new: Any
    old_truncated: bool = False
    new_truncated: bool = False
    label: str = ""
    old_shown: Any = None
    new_shown: Any = None
    type: str = "text"


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


def _field_name(column: str) -> str:
    """The model field a column holds (``owner_id`` → ``owner``): the change's stable key."""
    return column[:-3] if column.endswith("_id") else column


def _label(column: str) -> str:
    return _field_name(column).replace("_", " ")


def _field_label(table: str, column: str) -> str:
    """The field's verbose name ("Decision due date"), else the column's words."""
    model_field = columns_of(table).get(column)
    text = str(model_field.verbose_name) if model_field is not None else _label(column)
    return text[:1].upper() + text[1:]


def _type(model_field: models.Field | None) -> str:
    if isinstance(model_field, models.BooleanField):
        return "boolean"
    if isinstance(model_field, models.DateTimeField):
        return "datetime"
    if isinstance(model_field, models.DateField):
        return "date"
    numeric = models.DecimalField | models.FloatField | models.IntegerField
    if isinstance(model_field, numeric) and not model_field.choices:
        return "number"
    return "text"


def _internal_link(table: str, column: str) -> bool:
    """A foreign key to a row that is not a person (the template an item was copied from, say).

    A created or deleted row is named by its own label; its links to other rows are left out, so a
    page of the feed costs the same queries whatever it holds. A change of such a link is shown by
    the linked row's name (one query per linked table on the page).
    """
    model_field = columns_of(table).get(column)
    return bool(model_field is not None and model_field.is_relation and column not in user_columns(table))


# A file column whose sibling ``<column>_name`` keeps the name it was uploaded with.
FILE_NAME_SUFFIX = "_name"


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


class UnknownKind(ValueError):
    """A ``kind`` filter naming no kind of change a PoC records."""


class BadFilter(ValueError):
    """A filter of the activity feed that cannot be read; ``field`` names it, ``message`` says why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


def activity_filters(*, actor=None, kind=None) -> dict[str, Any]:
    """``?actor=`` and ``?kind=`` as sent, checked: ``{"actor": user id or None, "kind": kind or None}``.

    Raises ``BadFilter`` naming the parameter: an actor that is not a user id, a kind no PoC row has.
    """
    actor = (actor or "").strip() if isinstance(actor, str) else actor
    kind = (kind or "").strip().lower()
    actor_id = None
    if actor not in (None, ""):
        actor_id = _cursor(actor)
        if actor_id is None:
            raise BadFilter("actor", "Give the id of a person (a whole number).")
    if kind and kind_table(kind) is None:
        raise BadFilter("kind", f"“{kind[:50]}” is not a kind of change; use one of {', '.join(poc_kinds())}.")
    return {"actor": actor_id, "kind": kind or None}


def activity_kinds() -> list[tuple[str, str]]:
    """The kinds of change a PoC records, as (kind, label) for a filter's choices."""
    return [(kind, label) for kind, (_, label) in poc_kinds().items()]


def events_for_poc(poc_id: int, *, actor=None, kind: str | None = None) -> QuerySet[AuditEvent]:
    """The PoC's audit events, newest first, as a queryset (for pagination).

    ``actor`` keeps the changes one person made (a user id), ``kind`` the changes to one kind of
    row (``registry.poc_kinds``; ``UnknownKind`` for a name that is none).
    Each event carries previews of its values (``Preview``) instead of the whole stored JSON;
    ``describe`` reads them and flags each cut value. ``event_for_poc`` gives one event in full.
    """
    qs = AuditEvent.objects.filter(poc_id=poc_id)
    if actor is not None:
        qs = qs.filter(actor_id=actor)
    if kind:
        table = kind_table(kind)
        if table is None:
            raise UnknownKind(kind)
        qs = qs.filter(table_name=table)
    return (
        qs.order_by("-id")
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


def event_page(
    poc_id: int, *, before=None, after=None, size: int = ACTIVITY_PAGE_SIZE, actor=None, kind: str | None = None
) -> EventPage:
    """A page of ``events_for_poc``: the ``size`` events older than ``before`` (or newer than ``after``).

    Keyset pagination on ``(poc_id, id)`` (``audit_event_poc_idx``): the last page of 100,000
    events reads ``size`` + 1 index entries like the first, and nothing counts the trail. Cursors
    are event ids; one that is not a positive number, or one past either end, gives the newest page.
    """
    before, after = _cursor(before), _cursor(after)
    qs = events_for_poc(poc_id, actor=actor, kind=kind)
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
        if (before or after) is not None:
            return event_page(poc_id, size=size, actor=actor, kind=kind)
        return EventPage(events=[])
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
    """Events as a person reads them, with people's names in place of their ids.

    A column names a person when the model's field is a foreign key to the user model (one query
    for all of them); another foreign key is shown by its row's name (one query per related
    table); a choice by its label; a file by the name it was uploaded with. A row is called by its
    model's declared label (``Audited(label=...)``). Events from ``events_for_poc`` carry cut
    values, each flagged ``old_truncated`` / ``new_truncated``; others are shown whole.
    """
    data_of = {event.pk: _data(event) for event in events}
    user_model = get_user_model()
    user_ids: set[int] = set()
    related: dict[type[models.Model], set] = {}
    for event in events:
        if event.actor_id:
            user_ids.add(event.actor_id)
        old, _, new, _ = data_of[event.pk]
        fields = columns_of(event.table_name)
        for data in (old, new):
            for column in user_columns(event.table_name) & data.keys():
                if data[column] is not None:
                    user_ids.add(int(data[column]))
            if event.op != AuditEvent.Op.UPDATE:
                continue  # a created or deleted row lists no links to other rows (see _internal_link)
            for column, value in data.items():
                model_field = fields.get(column)
                relation = model_field is not None and model_field.is_relation and column not in NOISE
                if value is not None and relation and model_field.related_model is not user_model:
                    related.setdefault(model_field.related_model, set()).add(value)
    names = {u.pk: str(u) for u in user_model.objects.filter(pk__in=user_ids)}
    related_names = {
        (model, row.pk): str(row) for model, ids in related.items() for row in model._default_manager.filter(pk__in=ids)
    }

    def show(table: str, column: str, value: Any) -> Any:
        if column in user_columns(table) and value is not None:
            return names.get(int(value), f"user #{value}")
        return value

    def shown(table: str, column: str, value: Any, data: dict) -> Any:
        """What a person reads for ``value``: a name, a choice's label, a file's name."""
        if value is None:
            return None
        model_field = columns_of(table).get(column)
        if model_field is None:
            return value
        if column in user_columns(table):
            return show(table, column, value)
        if model_field.is_relation:
            return related_names.get((model_field.related_model, value), value)
        if model_field.choices:
            return dict(model_field.flatchoices).get(value, value)
        if isinstance(model_field, models.FileField) and value:
            return data.get(column + FILE_NAME_SUFFIX) or PurePosixPath(str(value)).name
        return value

    result = []
    for event in events:
        old, old_cut, new, new_cut = data_of[event.pk]
        table = event.table_name
        fields = columns_of(table)
        columns = [c for c in event.changed_fields if c not in NOISE]
        if event.op != AuditEvent.Op.UPDATE:
            columns = [
                c for c in columns if (new or old).get(c) not in (None, "", [], {}) and not _internal_link(table, c)
            ]
        # A file's upload name is shown as the file itself, not as a change of its own.
        file_names = {c + FILE_NAME_SUFFIX for c, f in fields.items() if isinstance(f, models.FileField)}
        columns = [c for c in columns if c not in file_names]
        data = new or old
        label = table_label(table)
        name = data.get("name") or data.get("text") or data.get("kind")
        if name:
            obj = shown(table, "kind", name, data) if name == data.get("kind") else name
            obj = f"“{obj}”"
        elif "user_id" in data:
            obj = show(table, "user_id", data["user_id"])
        else:
            obj = ""
        result.append(
            Activity(
                id=event.id,
                when=event.occurred_at,
                actor=names.get(event.actor_id, "system") if event.actor_id else "system",
                actor_id=event.actor_id,
                table=table,
                object_label=f"{label} {obj}".strip() if obj else label,
                op=event.op,
                verb=AuditEvent.Op(event.op).label,
                poc_id=event.poc_id,
                changes=[
                    Change(
                        _field_name(c),
                        show(table, c, old.get(c)),
                        show(table, c, new.get(c)),
                        old_truncated=c in old_cut,
                        new_truncated=c in new_cut,
                        label=_field_label(table, c),
                        old_shown=shown(table, c, old.get(c), old),
                        new_shown=shown(table, c, new.get(c), new),
                        type=_type(fields.get(c)),
                    )
                    for c in columns
                ],
            )
        )
    return result


def event_count(poc_id: int) -> int:
    """How many changes the audit trail records for a PoC."""
    return AuditEvent.objects.filter(poc_id=poc_id).count()
