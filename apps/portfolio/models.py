"""The portfolio's one stored row per PoC: what the list shows and sorts by, so no row is computed per request."""

from __future__ import annotations

from django.db import models

from apps.audit.declarations import NotAudited
from apps.pocs.models import PoC


class RiskLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


RISK_RANK = {RiskLevel.LOW: 0, RiskLevel.MEDIUM: 1, RiskLevel.HIGH: 2}


class PoCSummary(models.Model):
    """Where a PoC stands, as the portfolio reads it: its worst stall reason and level, the criteria met.

    Derived, never edited: ``services.summary_refresh`` recomputes it from the stall risk
    (``checklists.selectors.stall_risk``) and the six criteria (``decisions.selectors.criteria``)
    after every write that changes their inputs (``pocs.signals.poc_inputs_changed``), and once a
    day for the findings that follow the calendar (an item or decision falling due, a timebox
    running out). ``reason_1`` … ``reason_5`` hold each stall reason's level as a rank (0 low,
    1 medium, 2 high), for the portfolio's count of stall reasons. ``drift`` and its metric and
    value come from the newest finished re-run of the drift watch (``evaluations.selectors``), for
    the PoC header's "Drift detected" badge.
    """

    audit = NotAudited("a derived copy of the stall risk, criteria and drift, recomputed from audited rows")

    poc = models.OneToOneField(PoC, primary_key=True, on_delete=models.CASCADE, related_name="portfolio_summary")
    risk_level = models.CharField(max_length=10, choices=RiskLevel.choices)
    risk_rank = models.PositiveSmallIntegerField()
    risk_reason = models.PositiveSmallIntegerField(help_text="The stall reason (1–5) at the worst level")
    risk_why = models.CharField(max_length=300, blank=True)
    reason_1 = models.PositiveSmallIntegerField(default=0)
    reason_2 = models.PositiveSmallIntegerField(default=0)
    reason_3 = models.PositiveSmallIntegerField(default=0)
    reason_4 = models.PositiveSmallIntegerField(default=0)
    reason_5 = models.PositiveSmallIntegerField(default=0)
    criteria_met = models.PositiveSmallIntegerField()
    decision_outcome = models.CharField(max_length=10, blank=True, help_text="go / no_go once signed")
    drift = models.BooleanField(
        default=False, help_text="Decided go, and the newest finished drift re-run dropped beyond its interval"
    )
    drift_metric = models.CharField(max_length=32, blank=True, help_text="The metric that re-run was compared on")
    drift_value = models.FloatField(null=True, blank=True, help_text="That re-run minus the signed baseline")
    computed_on = models.DateField(help_text="The local date the calendar-driven findings were judged on")
    refreshed_at = models.DateTimeField()

    class Meta:
        indexes = [
            # The portfolio's sort keys that live here; ``id`` (the PoC's) breaks ties.
            models.Index(fields=["risk_rank", "poc"], name="summary_risk_idx"),
            models.Index(fields=["criteria_met", "poc"], name="summary_criteria_idx"),
            models.Index(fields=["computed_on"], name="summary_computed_on_idx"),
        ]

    def __str__(self):
        return f"Summary of PoC {self.poc_id}"
