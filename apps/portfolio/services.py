"""Writes of the portfolio: its stored per-PoC summary (and the jobs that refresh it), nothing else.

The summary is derived data (no PoC's record changes), so these functions need no permission and
work on decided PoCs too: a signed decision changes the summary's outcome.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.checklists import selectors as checklists
from apps.core.jobs import job_enqueue
from apps.core.models import Job
from apps.core.selectors import latest_job
from apps.decisions import selectors as decisions
from apps.evaluations import selectors as evaluations
from apps.pocs.models import PoC
from apps.portfolio.definitions import DecisionStatus
from apps.portfolio.models import RISK_RANK, PoCSummary

logger = logging.getLogger(__name__)

SUMMARY_FIELDS = (
    "risk_level",
    "risk_rank",
    "risk_reason",
    "risk_why",
    "reason_1",
    "reason_2",
    "reason_3",
    "reason_4",
    "reason_5",
    "criteria_met",
    "decision_outcome",
    "drift",
    "drift_metric",
    "drift_value",
    "computed_on",
    "refreshed_at",
)


def summary_compute(poc: PoC) -> PoCSummary:
    """The summary of ``poc`` as it stands now (not saved): the same numbers its own pages show.

    ``drift`` is the newest finished re-run's alert (a drop beyond its interval) on a PoC decided with
    a go, the only PoCs with a drift watch; a later re-run still queued or failed leaves it standing.
    """
    risks = checklists.stall_risk(poc)
    level = checklists.overall_level(risks)
    worst = next(r for r in risks if r.level == level)  # the first reason at the worst level
    decision = decisions.decision_for(poc)
    outcome = decision.outcome if decision is not None else ""
    rerun = None
    if outcome == DecisionStatus.GO:
        rerun = evaluations.last_finished_monitoring_run(poc, evaluations.last_monitoring_run(poc))
    drift = bool(rerun is not None and rerun.alert)
    summary = PoCSummary(
        poc=poc,
        risk_level=level,
        risk_rank=RISK_RANK[level],
        risk_reason=worst.reason,
        risk_why=worst.why[:300],
        criteria_met=decisions.met_count(decisions.criteria(poc, fresh=True)),
        decision_outcome=outcome,
        drift=drift,
        drift_metric=rerun.metric if drift else "",
        drift_value=rerun.value if drift else None,
        computed_on=timezone.localdate(),
        refreshed_at=timezone.now(),
    )
    for risk in risks:
        setattr(summary, f"reason_{risk.reason}", RISK_RANK[risk.level])
    return summary


def summary_refresh(*, poc_id: int) -> PoCSummary | None:
    """Recompute and store the summary of PoC ``poc_id`` (None when the PoC is gone).

    One upsert (``INSERT … ON CONFLICT DO UPDATE``), so two refreshes of the same PoC at once
    both succeed and the later one stays.
    """
    poc = PoC.objects.filter(pk=poc_id).first()
    if poc is None:
        return None
    summary = summary_compute(poc)
    with transaction.atomic():
        PoCSummary.objects.bulk_create(
            [summary], update_conflicts=True, unique_fields=["poc"], update_fields=list(SUMMARY_FIELDS)
        )
    return summary


SUMMARY_JOB = "portfolio.summary"


def summary_request(*, poc_id: int):
    """Queue a refresh of PoC ``poc_id``'s summary, unless one is already waiting to start.

    Called after a write commits (``pocs.signals.poc_inputs_changed``): the request that wrote
    does not wait for the stall risk and criteria to be recomputed (a worker does it; without
    Redis the job runs in-process as soon as its row is written). A refresh still queued will
    read the data this write committed, so a burst of writes makes one refresh.
    """
    from apps.portfolio.tasks import refresh_summary

    poc = PoC(pk=poc_id)  # the job's subject: only its id is read
    waiting = latest_job(poc, SUMMARY_JOB)
    if waiting is not None and waiting.status == Job.Status.QUEUED and not _orphaned(waiting):
        return waiting
    # Outside a transaction (the usual case, after a commit) the row is written and the job sent at once.
    return job_enqueue(kind=SUMMARY_JOB, task=refresh_summary, subject=poc)


def _orphaned(job: Job) -> bool:
    """Queued, never sent, and older than a send takes: the process that wrote it ended before sending it
    (the sweeper sends it later); a new refresh is queued rather than waiting for it."""
    limit = timezone.now() - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    return job.sent_at is None and job.send_attempts == 0 and job.created_at < limit


def summaries_refresh(*, stale_only: bool = True) -> int:
    """Refresh every PoC's summary, or (``stale_only``) those missing or judged before today.

    Run daily (the ``portfolio.refresh_summaries`` beat task, ``manage.py portfolio_refresh``),
    because the calendar changes some findings without any write: an item or the decision falls
    due, the timebox runs out. Returns how many were refreshed.
    """
    pocs = PoC.objects.order_by("pk")
    if stale_only:
        today = timezone.localdate()
        pocs = pocs.exclude(portfolio_summary__computed_on__gte=today)
    refreshed = 0
    for poc_id in pocs.values_list("pk", flat=True).iterator():
        if summary_refresh(poc_id=poc_id) is not None:
            refreshed += 1
    return refreshed
