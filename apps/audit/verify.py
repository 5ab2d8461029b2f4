"""Recompute the audit hash chain outside the database."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC

from django.db import connection

from apps.audit.sql import EVENT_TABLE, GENESIS_HASH, SEPARATOR


@dataclass
class ChainReport:
    checked: int
    first_broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None


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


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk every event in id order; report the first whose hash or link does not hold."""
    expected_prev = GENESIS_HASH
    checked = 0
    for rows in event_batches(batch_size):
        for row in rows:
            event_id, prev, stored = row[0], row[1], row[-1]
            if prev != expected_prev:
                return ChainReport(checked, event_id, "its link to the previous event is broken")
            digest = hashlib.sha256(_material(row).encode("utf-8")).hexdigest()
            if digest != stored:
                return ChainReport(checked, event_id, "its content does not match its hash")
            expected_prev = stored
            checked += 1
    return ChainReport(checked=checked)
