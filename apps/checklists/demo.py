"""Kickoff data for the demo PoCs (used by ``seed_demo``)."""

from __future__ import annotations

from django.db.models import F

from apps.audit.context import audited
from apps.checklists.models import BusinessCase, ChecklistItem, Reason, Status, ValidationKind, ValidationQuestion

HYPOTHESES = {
    ValidationKind.FEASIBILITY: ("A hosted mid-size model with retrieval over past cases is good enough.", ""),
    ValidationKind.QUALITY: ("It routes most items to the right place first time.",
                             "macro-F1 ≥ 0.85 on the production sample"),
    ValidationKind.LATENCY: ("Fast enough to sit inside the existing workflow.", "p95 ≤ 800 ms at 20 req/s"),
    ValidationKind.INTEGRATION: ("Reads from the ERP and the shared mailbox, writes to the ticket queue.",
                                 "One SSO boundary, two owning teams"),
}


def seed_demo_kickoff(*, poc, user, complete: bool) -> None:
    """Fill the kickoff of a demo PoC: everything done when ``complete``, else about half of it.

    Demo PoCs are placed at their stage directly, so their rows are set directly too (inside
    ``audited`` so the trail still shows who did it) rather than edited one form at a time.
    """
    with audited(user, {"source": "seed_demo"}):
        items = ChecklistItem.objects.filter(poc=poc)
        if complete:
            items.update(status=Status.DONE, owner=user, version=F("version") + 1)
        else:
            items.filter(reason__in=[Reason.BUSINESS_CASE, Reason.DIRECTION]).update(
                status=Status.DONE, owner=user, version=F("version") + 1
            )
            items.filter(reason=Reason.DATA).update(status=Status.IN_PROGRESS, owner=user, version=F("version") + 1)
        for kind, (hypothesis, target) in HYPOTHESES.items():
            ValidationQuestion.objects.filter(poc=poc, kind=kind).update(
                hypothesis=hypothesis, target=target, version=F("version") + 1
            )
        BusinessCase.objects.filter(poc=poc).update(
            value_hypothesis="Less time spent routing and re-routing work by hand.",
            unit="item handled correctly", value_per_unit="1.20", max_cost_per_unit="0.15",
            version=F("version") + 1,
        )
