"""What a signature vouches for: the decision, the signature itself and the snapshot's hash."""

from __future__ import annotations

from typing import Any

from apps.decisions import canonical
from apps.decisions.models import Decision, Signature


def record_document(decision: Decision, signature: Signature) -> dict[str, Any]:
    """What the signature's ``record_sha256`` covers: the decision, the signature and the snapshot hash."""
    return {
        "decision": {
            "id": decision.pk, "poc": decision.poc_id, "outcome": decision.outcome, "rationale": decision.rationale,
            "conditions": decision.conditions, "criteria_met": decision.criteria_met, "unmet": decision.unmet,
            "created_at": decision.created_at,
        },
        "signature": {
            "decision": signature.decision_id, "poc": signature.poc_id, "signer": signature.signer_id,
            "printed_name": signature.printed_name, "signer_title": signature.signer_title,
            "signed_at": signature.signed_at, "time_zone": signature.time_zone, "local_time": signature.local_time,
            "meaning": signature.meaning,
        },
        "snapshot_sha256": signature.snapshot_sha256,
    }


def record_sha256(decision, signature) -> str:
    """The SHA-256 of the canonical JSON of ``record_document``."""
    return canonical.sha256(canonical.dumps(record_document(decision, signature)))
