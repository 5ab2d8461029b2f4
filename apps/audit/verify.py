"""Recompute the audit hash chain outside the database, and check it still reaches every anchor."""

from __future__ import annotations

import hashlib
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection

from apps.audit.sql import EVENT_TABLE, GENESIS_HASH, SEPARATOR


@dataclass(frozen=True)
class Anchor:
    """A point the chain must still pass through: event ``event_id`` with ``hash``.

    Anchors come from the checkpoint table (``recorded_at`` set) or from the operator, who copied a
    head out of the log or an email (``recorded_at`` None), for when the checkpoints themselves are
    in doubt.
    """

    event_id: int
    hash: str
    recorded_at: datetime | None = None

    def describe(self) -> str:
        if self.recorded_at is None:
            return "the head given on the command line"
        return f"the checkpoint of {self.recorded_at.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"

    @classmethod
    def parse(cls, text: str) -> Anchor:
        """``ID:HASH`` as ``audit_checkpoint`` writes it to the log."""
        event_id, _, digest = text.strip().lstrip("#").partition(":")
        if not event_id.isdigit() or len(digest) != 64:
            raise ValueError(f"{text!r} is not EVENT_ID:HASH (a number, a colon and 64 hex digits)")
        return cls(int(event_id), digest.lower())


@dataclass
class ChainReport:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""
    last_id: int | None = None
    anchors: int = 0
    newest_anchor: Anchor | None = None  # the latest anchor the chain still passes through
    since_anchor: int = 0  # events after it, not anchored yet
    anchor_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.anchor_problems

    @property
    def anchored(self) -> bool:
        return self.anchors > 0


def _material(row) -> str:
    (event_id, prev, tbl, pk, poc, op, old_text, new_text, changed, actor, ctx_text, ts, _stored) = row
    parts = [
        prev,
        str(event_id),
        tbl,
        pk,
        "" if poc is None else str(poc),
        op,
        old_text or "",
        new_text or "",
        ",".join(changed or []),
        "" if actor is None else str(actor),
        ctx_text,
        ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    ]
    return SEPARATOR.join(parts)


def event_batches(batch_size: int = 2000):
    """Every audit event in id order, in batches, as the text forms the hash was built from."""
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT id, prev_hash, table_name, row_pk, poc_id, op, old_data::text, new_data::text,
                           changed_fields, actor_id, context::text, occurred_at, hash
                      FROM {EVENT_TABLE} WHERE id > %s ORDER BY id LIMIT %s""",  # noqa: S608 (constant table name)
                [last_id, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def recorded_anchors() -> list[Anchor]:
    """Every checkpoint in the checkpoint table."""
    from apps.audit.models import AuditCheckpoint

    return [
        Anchor(event_id, digest, recorded_at)
        for event_id, digest, recorded_at in AuditCheckpoint.objects.values_list("event_id", "hash", "recorded_at")
    ]


def _missing_end(anchor: Anchor, last_id: int | None) -> str:
    now = f"the chain now ends at #{last_id}" if last_id is not None else "the chain is now empty"
    return f"events up to #{anchor.event_id} were checkpointed with hash {anchor.hash} ({anchor.describe()}); {now}"


def verify_chain(batch_size: int = 2000, anchors: list[Anchor] | None = None) -> ChainReport:
    """Walk every event in id order; report the first whose hash or link does not hold.

    Then hold the chain to its anchors (the recorded checkpoints unless ``anchors`` is given): each
    anchored event must still be there with the anchored hash. The links alone cannot show that the
    last events were deleted; an anchor at or after them does.
    """
    given = recorded_anchors() if anchors is None else anchors
    pending = deque(sorted(given, key=lambda anchor: (anchor.event_id, anchor.recorded_at is None)))
    report = ChainReport(checked=0, anchors=len(pending))
    expected_prev = GENESIS_HASH
    for rows in event_batches(batch_size):
        for row in rows:
            event_id, prev, stored = row[0], row[1], row[-1]
            while pending and pending[0].event_id <= event_id:
                anchor = pending.popleft()
                if anchor.event_id < event_id:
                    report.anchor_problems.append(
                        f"event #{anchor.event_id} is missing: {anchor.describe()} recorded it with hash {anchor.hash}"
                    )
                elif anchor.hash != stored:
                    report.anchor_problems.append(
                        f"event #{event_id} has hash {stored}, but {anchor.describe()} recorded {anchor.hash}"
                    )
                else:
                    report.newest_anchor, report.since_anchor = anchor, -1  # this event is counted below
            if prev != expected_prev:
                report.first_broken_id, report.reason = event_id, "its link to the previous event is broken"
                return report
            digest = hashlib.sha256(_material(row).encode("utf-8")).hexdigest()
            if digest != stored:
                report.first_broken_id, report.reason = event_id, "its content does not match its hash"
                return report
            expected_prev = stored
            report.checked += 1
            report.since_anchor += 1
            report.last_id = event_id
    if pending:
        report.anchor_problems.append(_missing_end(pending[-1], report.last_id))
    return report
