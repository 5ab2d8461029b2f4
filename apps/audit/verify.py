"""Recompute the audit hash chains outside the database, and check they still reach every anchor."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection

from apps.audit.sql import EVENT_TABLE, GENESIS_HASH, SEPARATOR


@dataclass(frozen=True)
class Anchor:
    """Points the chains must still pass through: event ``event_id`` with ``hash`` (the newest event
    when the checkpoint was taken) and, in ``heads``, each chain's last event then, as
    ``(chain, event_id, hash)``.

    Anchors come from the checkpoint table (``recorded_at`` set) or from the operator, who copied a
    head out of the log or an email (``recorded_at`` None), for when the checkpoints themselves are
    in doubt.
    """

    event_id: int
    hash: str
    recorded_at: datetime | None = None
    heads: tuple[tuple[str, int, str], ...] = ()

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
    newest_anchor: Anchor | None = None  # the latest anchor the chains still pass through
    since_anchor: int = 0  # events after it, not anchored yet
    anchor_problems: list[str] = field(default_factory=list)
    chains: int = 0  # chains walked (one per PoC written since format 2, one for events without a PoC, old ones)

    @property
    def ok(self) -> bool:
        return self.first_broken_id is None and not self.anchor_problems

    @property
    def anchored(self) -> bool:
        return self.anchors > 0


def chain_of(version: int, poc_id: int | None) -> str:
    """The chain an event belongs to: ``v1`` (every event of format 1), ``poc:ID`` or ``other``."""
    if version == 1:
        return "v1"
    return "other" if poc_id is None else f"poc:{poc_id}"


def _chain_name(chain: str) -> str:
    if chain == "v1":
        return "the chain of the events before format 2"
    if chain == "other":
        return "the chain of the events without a PoC"
    return f"the chain of PoC {chain.removeprefix('poc:')}"


def _material(row) -> str:
    (event_id, prev, tbl, pk, poc, op, old_text, new_text, changed, actor, ctx_text, ts, _stored, version) = row
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
    if version != 1:
        parts.insert(0, f"v{version}")
    return SEPARATOR.join(parts)


def event_batches(batch_size: int = 2000):
    """Every audit event in id order, in batches, as the text forms the hash was built from."""
    last_id = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT id, prev_hash, table_name, row_pk, poc_id, op, old_data::text, new_data::text,
                           changed_fields, actor_id, context::text, occurred_at, hash, chain_version
                      FROM {EVENT_TABLE} WHERE id > %s ORDER BY id LIMIT %s""",  # noqa: S608 (constant table name)
                [last_id, batch_size],
            )
            rows = cursor.fetchall()
        if not rows:
            return
        yield rows
        last_id = rows[-1][0]


def recorded_anchors() -> list[Anchor]:
    """Every checkpoint in the checkpoint table, with the chains' heads it recorded."""
    from apps.audit.models import AuditCheckpoint

    return [
        Anchor(
            event_id,
            digest,
            recorded_at,
            tuple(sorted((chain, int(head[0]), str(head[1])) for chain, head in (heads or {}).items())),
        )
        for event_id, digest, recorded_at, heads in AuditCheckpoint.objects.values_list(
            "event_id", "hash", "recorded_at", "heads"
        )
    ]


def _missing_end(anchor: Anchor, event_id: int, digest: str, chain: str | None, last_id: int | None) -> str:
    now = f"the chain now ends at #{last_id}" if last_id is not None else "the chain is now empty"
    where = f"{anchor.describe()}, {_chain_name(chain)}" if chain else anchor.describe()
    return f"events up to #{event_id} were checkpointed with hash {digest} ({where}); {now}"


def _claims(anchors: list[Anchor]) -> list[tuple[int, str, str | None, Anchor]]:
    """What the anchors assert, as (event id, hash, chain or None, anchor), in event order.

    A checkpoint's newest event is asserted on its own only when it is not one of its chains' heads.
    """
    claims = []
    for anchor in anchors:
        heads = {(event_id, digest) for _chain, event_id, digest in anchor.heads}
        if (anchor.event_id, anchor.hash) not in heads:
            claims.append((anchor.event_id, anchor.hash, None, anchor))
        claims += [(event_id, digest, chain, anchor) for chain, event_id, digest in anchor.heads]
    return sorted(claims, key=lambda claim: (claim[0], claim[3].recorded_at is None))


def verify_chain(batch_size: int = 2000, anchors: list[Anchor] | None = None) -> ChainReport:
    """Walk every event in id order, each against the event before it in its chain; report the first
    whose hash or link does not hold.

    Events of format 1 form one chain; those of format 2 one chain per PoC and one for the events
    without a PoC. Then hold the chains to their anchors (the recorded checkpoints unless ``anchors``
    is given): each anchored event must still be there with the anchored hash. The links alone cannot
    show that a chain's last events were deleted; an anchor at or after them does.
    """
    given = recorded_anchors() if anchors is None else anchors
    claims = _claims(given)
    wanted = {claim[0] for claim in claims}
    report = ChainReport(checked=0, anchors=len(given))
    expected: dict[str, str] = {}  # chain -> hash of its last event so far
    last_of_chain: dict[str, int] = {}
    found: dict[int, tuple[str, int]] = {}  # anchored event id -> (its hash, events walked before it)
    walked = 0
    for rows in event_batches(batch_size):
        for row in rows:
            event_id, prev, stored, version, poc = row[0], row[1], row[12], row[13], row[4]
            chain = chain_of(version, poc)
            if event_id in wanted:
                found[event_id] = (stored, walked)
            if report.first_broken_id is None:
                if prev != expected.get(chain, GENESIS_HASH):
                    report.first_broken_id, report.reason = event_id, "its link to the previous event is broken"
                elif hashlib.sha256(_material(row).encode("utf-8")).hexdigest() != stored:
                    report.first_broken_id, report.reason = event_id, "its content does not match its hash"
                else:
                    report.checked += 1
            expected[chain] = stored
            last_of_chain[chain] = event_id
            report.last_id = event_id
            walked += 1
    report.chains = len(last_of_chain)

    failed: set[int] = set()  # ids of anchors (by object) with a problem
    for event_id, digest, chain, anchor in claims:
        last = report.last_id if chain is None else last_of_chain.get(chain)
        if event_id in found:
            if found[event_id][0] != digest:
                report.anchor_problems.append(
                    f"event #{event_id} has hash {found[event_id][0]}, but {anchor.describe()} recorded {digest}"
                )
                failed.add(id(anchor))
        elif last is not None and last > event_id:
            report.anchor_problems.append(
                f"event #{event_id} is missing: {anchor.describe()} recorded it with hash {digest}"
            )
            failed.add(id(anchor))
        else:
            report.anchor_problems.append(_missing_end(anchor, event_id, digest, chain, last))
            failed.add(id(anchor))
    held = [a for a in given if id(a) not in failed and a.event_id in found]
    if held:
        newest = max(held, key=lambda anchor: (anchor.event_id, anchor.recorded_at is None))
        report.newest_anchor = newest
        report.since_anchor = walked - found[newest.event_id][1] - 1
    return report
