"""Is a signed decision still what was signed? Recompute and compare, and say exactly what differs.

For each decision:

- the snapshot's bytes are hashed again and compared with the hash stored beside them and with the
  one the signature vouches for;
- the signature's ``record_sha256`` is recomputed from the decision and signature rows as they are
  now (``apps.decisions.record``);
- each row (decision, signature, snapshot) is compared, column by column, with the copy the audit
  trail recorded when it was inserted, and any later UPDATE or DELETE event on it is reported;
  a signature pointed at another decision shows here;
- the audit trail's hash chain is recomputed (``apps.audit.verify.verify_chain``), so a deleted or
  reordered audit event shows too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from django.db import connection

from apps.audit.models import AuditEvent
from apps.audit.verify import verify_chain
from apps.decisions.models import Decision, Signature, Snapshot
from apps.decisions.record import record_sha256

SHOWN = 80  # characters of a value shown in a difference


@dataclass
class Verdict:
    differences: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.differences

    def as_dict(self) -> dict:
        return {"intact": self.intact, "differences": list(self.differences)}


def _short(value) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _rows(model, column: str, value) -> dict[int, dict]:
    """Rows of ``model`` where ``column`` = ``value``, as the audit trigger sees them (``to_jsonb``)."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, to_jsonb(t)::text FROM {table} t WHERE {column} = %s ORDER BY id", [value])  # noqa: S608 (constant names)
        return {pk: json.loads(text) for pk, text in cursor.fetchall()}


def chain_problems() -> list[str]:
    """What is wrong with the audit trail's hash chain, as sentences (empty when it holds)."""
    report = verify_chain()
    problems = []
    if getattr(report, "first_broken_id", None) is not None:
        problems.append(f"audit trail: event #{report.first_broken_id}: {report.reason}")
    problems += [f"audit trail: {p}" for p in getattr(report, "anchor_problems", [])]
    return problems


def _json_paths(before, after, path: str = "") -> list[str]:
    """The paths where two JSON values differ."""
    if isinstance(before, dict) and isinstance(after, dict):
        found = []
        for key in sorted(set(before) | set(after)):
            found += _json_paths(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (b, a) in enumerate(zip(before, after, strict=True)):
            found += _json_paths(b, a, f"{path}[{index}]")
        return found
    return [] if before == after else [path or "(the whole document)"]


def _bytes_of(value) -> bytes | None:
    """A bytea column as ``to_jsonb`` writes it (``\\x`` and hex digits)."""
    if not isinstance(value, str) or not value.startswith("\\x"):
        return None
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        return None


def _snapshot_changes(recorded, now) -> str:
    before, after = _bytes_of(recorded), _bytes_of(now)
    try:
        paths = _json_paths(json.loads(before), json.loads(after))
    except (TypeError, ValueError):
        return "its bytes differ from the ones recorded at signing"
    shown = ", ".join(paths[:5]) + (f" and {len(paths) - 5} more" if len(paths) > 5 else "")
    return f"its content differs from the one recorded at signing at {shown}"


def _compare(label: str, recorded: dict, now: dict, differences: list[str]) -> None:
    for column in sorted(set(recorded) | set(now)):
        if recorded.get(column) == now.get(column):
            continue
        if column == "content":
            differences.append(f"{label}: {_snapshot_changes(recorded.get(column), now.get(column))}")
        else:
            differences.append(
                f"{label}: {column} is {_short(now.get(column))} now; the audit trail recorded "
                f"{_short(recorded.get(column))} at signing"
            )


def _events(table: str, poc_id: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(table_name=table, poc_id=poc_id).order_by("id"))


def verify_decision(decision: Decision, *, chain: list[str] | None = None) -> Verdict:
    """Every difference between ``decision`` as signed and as stored now (``chain``: the audit trail's
    problems, when the caller checked the chain already for several decisions)."""
    verdict = Verdict()
    found = verdict.differences
    poc_id = decision.poc_id
    decision_now = _rows(Decision, "id", decision.pk).get(decision.pk, {})
    signatures_now = _rows(Signature, "poc_id", poc_id)
    snapshots_now = _rows(Snapshot, "decision_id", decision.pk)

    # 1. The rows against the copies the audit trail recorded when they were inserted.
    for model, label, rows_now in (
        (Decision, "decision", {decision.pk: decision_now}),
        (Signature, "signature", signatures_now),
        (Snapshot, "snapshot", snapshots_now),
    ):
        events = _events(model._meta.db_table, poc_id)
        inserted = {int(e.row_pk): e for e in events if e.op == "INSERT"}
        for event in events:
            if event.op != "INSERT":
                found.append(f"{label} #{event.row_pk}: changed after signing ({event.op} recorded as audit event "
                             f"#{event.pk})")
        for pk, row in rows_now.items():
            if model is Signature and row.get("decision_id") != decision.pk and (
                pk not in inserted or inserted[pk].new_data.get("decision_id") != decision.pk
            ):
                continue  # another decision's signature, in its place
            if pk not in inserted:
                found.append(f"{label} #{pk}: the audit trail has no record of it being written")
                continue
            _compare(f"{label} #{pk}", inserted[pk].new_data or {}, row, found)

    # 2. The hashes.
    signatures = list(Signature.objects.filter(decision_id=decision.pk).order_by("id"))
    snapshot = Snapshot.objects.filter(decision_id=decision.pk).first()
    if not signatures:
        found.append("signature: no signature points at this decision")
    elif len(signatures) > 1:
        found.append(f"signature: {len(signatures)} signatures point at this decision "
                     f"(#{', #'.join(str(s.pk) for s in signatures)})")
    if snapshot is None:
        found.append("snapshot: this decision has no snapshot")
    else:
        digest = hashlib.sha256(bytes(snapshot.content)).hexdigest()
        if digest != snapshot.sha256:
            found.append(f"snapshot: its bytes hash to {digest}, but {snapshot.sha256} is stored beside them")
        for signature in signatures:
            if signature.snapshot_sha256 != digest:
                found.append(f"snapshot: its bytes hash to {digest}, but signature #{signature.pk} vouches for "
                             f"{signature.snapshot_sha256}")
    for signature in signatures:
        if record_sha256(decision, signature) != signature.record_sha256:
            found.append(f"signature #{signature.pk}: the decision and signature no longer hash to the signed "
                         f"record ({signature.record_sha256})")

    # 3. The audit trail itself.
    found += chain_problems() if chain is None else chain
    verdict.differences = list(dict.fromkeys(found))
    return verdict
