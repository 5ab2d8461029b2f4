"""A PoC with something in every section of the report, written through direct rows (the tests are
about the report, not about the other apps' forms)."""

from __future__ import annotations

import io

import pypdf

from apps.checklists.models import ChecklistItem, ValidationQuestion
from apps.pocs.models import PoC
from tests.decisions.helpers import awaiting, meet_all

EVIDENCE_URL = "http://127.0.0.1:9/never-fetched"


def rich(poc, people, *, evidence_url: str = EVIDENCE_URL, awaiting_decision: bool = False) -> PoC:
    """The PoC with its criteria met, a validation answered and an item accepted as a risk."""
    ValidationQuestion.objects.filter(poc=poc, kind="quality").update(
        hypothesis="Accuracy holds on production data", target="accuracy ≥ 0.8", answer="Measured 0.95"
    )
    item = ChecklistItem.objects.filter(poc=poc).order_by("pk").first()
    ChecklistItem.objects.filter(pk=item.pk).update(
        status="accepted_risk",
        justification="Budget line agreed verbally; written confirmation follows",
        evidence_url=evidence_url,
        evidence_note="file:///etc/passwd",
    )
    if awaiting_decision:
        return awaiting(poc, people)
    return meet_all(poc, people)


def pdf_pages(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [page.extract_text() or "" for page in reader.pages]
