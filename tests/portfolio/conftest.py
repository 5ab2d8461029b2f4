"""PoCs for the portfolio tests, written directly with their stored summaries (fast, and exact)."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.pocs.models import PoC
from apps.portfolio.models import RISK_RANK, PoCSummary
from tests.browser.conftest import accessible, page  # noqa: F401  (the browser test's fixtures)


def summary_for(
    poc: PoC,
    *,
    level: str = "medium",
    reason: int = 5,
    why: str = "Why",
    criteria: int = 2,
    outcome: str = "",
    reasons: dict[int, int] | None = None,
) -> PoCSummary:
    levels = dict.fromkeys(range(1, 6), 0)
    levels[reason] = RISK_RANK[level]
    levels.update(reasons or {})
    return PoCSummary(
        poc=poc,
        risk_level=level,
        risk_rank=RISK_RANK[level],
        risk_reason=reason,
        risk_why=why,
        criteria_met=criteria,
        decision_outcome=outcome,
        computed_on=timezone.localdate(),
        refreshed_at=timezone.now(),
        **{f"reason_{r}": v for r, v in levels.items()},
    )


def noon(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))


@pytest.fixture
def bulk_pocs():
    """Make ``n`` PoCs (``PoC.objects.bulk_create``) with a summary each; returns them."""

    def make(n: int, *, name: str = "Bulk PoC", summary: dict | None = None, **fields) -> list[PoC]:
        pocs = PoC.objects.bulk_create([PoC(name=f"{name} {i:04d}", **fields) for i in range(n)])
        PoCSummary.objects.bulk_create([summary_for(poc, **(summary or {})) for poc in pocs])
        return pocs

    return make
