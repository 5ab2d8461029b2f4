"""The kickoff's part of a signed decision's snapshot (registered in ``ChecklistsConfig.ready``)."""

from __future__ import annotations

import hashlib

from apps.checklists import selectors


def file_sha256(field) -> str | None:
    """The SHA-256 of a stored file's bytes, or None when the file is not there."""
    if not field:
        return None
    digest = hashlib.sha256()
    try:
        with field.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return None
    return digest.hexdigest()


def snapshot_part(poc) -> dict:
    """Checklist items (with each evidence file's SHA-256), validations, acknowledgements, business case."""
    items = [
        {
            "id": item.pk, "reason": item.reason, "position": item.position, "text": item.text,
            "status": item.status, "owner": item.owner_id, "due_date": item.due_date,
            "evidence_url": item.evidence_url, "evidence_note": item.evidence_note,
            "evidence_file_name": item.evidence_file_name or None,
            "evidence_file_sha256": file_sha256(item.evidence_file),
            "notes": item.notes, "justification": item.justification,
        }
        for item in selectors.checklist_items(poc)
    ]
    validations = [
        {"kind": v.kind, "hypothesis": v.hypothesis, "target": v.target, "answer": v.answer,
         "evidence_url": v.evidence_url}
        for v in selectors.validations(poc)
    ]
    acknowledgements = [
        {"kind": a.kind, "acknowledged": a.acknowledged, "answered_where": a.answered_where, "notes": a.notes}
        for a in selectors.acknowledgements(poc)
    ]
    case = selectors.business_case(poc)
    business_case = None if case is None else {
        field: getattr(case, field)
        for field in ("value_hypothesis", "unit", "value_per_unit", "monthly_benefit", "max_cost_per_unit",
                      "max_monthly_cost", "currency")
    }
    return {"items": items, "validations": validations, "acknowledgements": acknowledgements,
            "business_case": business_case}
