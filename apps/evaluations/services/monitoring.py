"""Drift watch after a go: its settings, the daily check that starts the re-runs due, and one re-run."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.core.jobs import job_enqueue
from apps.core.models import Job
from apps.core.versioning import check_fields, refuse, versioned_update
from apps.evaluations import compute
from apps.evaluations.models import EvalRun
from apps.evaluations.services.common import _number, calls_engine
from apps.evaluations.services.live import _harness_files
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.signals import inputs_changed

MONITORING_FIELDS = ("schedule", "endpoint", "baseline_run")
MONITORING_JOB_KIND = "evaluations.monitoring"
SCHEDULE_DAYS = {"weekly": 7, "monthly": 30}
DRIFT_RESAMPLES = 2000
NOT_GO = "A decided PoC cannot be changed."


def check_monitorable(poc: PoC) -> None:
    """The deliberate exception to ``check_open``: drift-watch settings and re-runs are not part of the signed
    record, so a PoC decided with a go accepts them (and only them); a no-go refuses them like any write, and
    a PoC not yet decided has nothing to watch."""
    from apps.evaluations.providers import decision_outcome
    from apps.pocs.models import Stage

    if poc.stage != Stage.DECIDED:
        raise ValidationFailed("Drift watch starts after a go: this PoC is not decided yet.")
    if decision_outcome(poc) != "go":
        raise ValidationFailed(NOT_GO)


def monitoring_snapshot(row) -> dict:
    return {"schedule": row.schedule, "endpoint": row.endpoint_id, "baseline_run": row.baseline_run_id}


def _standard_runs(poc: PoC):
    return EvalRun.objects.filter(poc=poc, dataset__is_standard=True, results__isnull=False).exclude(file="")


def default_baseline(poc: PoC) -> EvalRun | None:
    """The run the decision was signed on: the standard-dataset run the measured quality was read from (the
    snapshot holds it and its results), else the newest computed run on the standard dataset."""
    from apps.evaluations.selectors import measured_quality

    measured = measured_quality(poc)
    if measured and measured.get("run"):
        run = _standard_runs(poc).filter(pk=measured["run"]).first()
        if run is not None:
            return run
    return _standard_runs(poc).order_by("-computed_at", "-id").first()


def _monitoring_apply(poc: PoC):
    from apps.evaluations.models import ModelEndpoint, Monitoring

    def apply(row, changes: dict[str, Any]) -> list[str]:
        fields = []
        if "schedule" in changes:
            value = str(changes["schedule"] or "").strip()
            if value not in Monitoring.Schedule.values:
                raise refuse("schedule", "Choose off, weekly or monthly.")
            row.schedule = value
            fields.append("schedule")
        if "endpoint" in changes:
            value = changes["endpoint"]
            if value in (None, ""):
                row.endpoint = None
            else:
                endpoint = value if isinstance(value, ModelEndpoint) else ModelEndpoint.objects.filter(
                    poc=poc, pk=_number("endpoint", value, default=None)).first()
                if endpoint is None or endpoint.poc_id != poc.pk:
                    raise refuse("endpoint", "Choose one of this PoC's model endpoints.")
                row.endpoint = endpoint
            fields.append("endpoint")
        if "baseline_run" in changes:
            value = changes["baseline_run"]
            run = value if isinstance(value, EvalRun) else _standard_runs(poc).filter(
                pk=_number("baseline_run", value, default=None)).first()
            if run is None or run.poc_id != poc.pk or not _standard_runs(poc).filter(pk=run.pk).exists():
                raise refuse("baseline_run", "Choose a computed run on the PoC's standard dataset.")
            row.baseline_run = run
            fields.append("baseline_run")
        if row.baseline_run_id is None:
            row.baseline_run = default_baseline(poc)
            fields.append("baseline_run")
        if row.schedule != Monitoring.Schedule.OFF:
            if row.endpoint_id is None:
                raise refuse("endpoint", "Choose the endpoint the re-runs call.")
            if row.baseline_run_id is None:
                raise refuse("baseline_run", "The standard dataset has no computed run to compare with.")
        return fields

    return apply


def monitoring_update(*, poc: PoC, user, changes: dict[str, Any], version=None):
    """Set the drift watch of a PoC decided with a go: ``schedule`` (off / weekly / monthly), the ``endpoint``
    the re-runs call and the ``baseline_run`` they are compared with (default: the standard-dataset run the
    decision was signed on). Held by ``edit_ops_items`` (the production owner, and whoever edits)."""
    from apps.evaluations.models import Monitoring

    access.check(poc, user, access.EDIT_OPS_ITEMS)
    check_monitorable(poc)
    check_fields(changes, MONITORING_FIELDS)
    with audited(user), transaction.atomic():
        row, _ = Monitoring.objects.get_or_create(poc=poc)
        row.poc = poc
        saved = versioned_update(obj=row, user=user, changes=changes,
                                 version=row.version if version in (None, "") else version,
                                 snapshot=monitoring_snapshot, what="drift watch", apply=_monitoring_apply(poc))
    saved.poc = poc
    return saved


def monitoring_due(*, now=None) -> list[int]:
    """The daily check (beat): start a re-run for each watched go PoC whose weekly or monthly run is due (its
    last re-run started at least 7 or 30 days ago, or none yet, and none is queued or running). Returns the new
    re-runs' ids. Runs as the system: no person's right is involved, each PoC is held to ``check_monitorable``."""
    from datetime import timedelta

    from apps.evaluations.models import Monitoring, MonitoringRun
    from apps.evaluations.tasks import monitoring_run_task

    now = now or timezone.now()
    started = []
    watched = Monitoring.objects.exclude(schedule=Monitoring.Schedule.OFF).select_related("poc").order_by("pk")
    for row in watched:
        try:
            check_monitorable(row.poc)
        except ValidationFailed:
            continue
        with audited(None), transaction.atomic():
            locked = Monitoring.objects.select_for_update(skip_locked=True).filter(pk=row.pk).first()
            if locked is None or locked.endpoint_id is None or locked.baseline_run_id is None:
                continue
            runs = MonitoringRun.objects.filter(monitoring=locked)
            open_runs = list(runs.filter(status__in=(MonitoringRun.Status.QUEUED, MonitoringRun.Status.RUNNING)))
            failed = dict(Job.objects.filter(pk__in=[r.job_id for r in open_runs if r.job_id],
                                             status=Job.Status.FAILED).values_list("pk", "error"))
            for stale in (r for r in open_runs if r.job_id in failed):  # the job gave up (a worker died)
                MonitoringRun.objects.filter(pk=stale.pk).update(
                    status=MonitoringRun.Status.FAILED, error=failed[stale.job_id] or "The job failed.",
                    finished_at=now)
            if any(r.job_id not in failed for r in open_runs):
                continue
            last = runs.order_by("-created_at").values_list("created_at", flat=True).first()
            if last is not None and now - last < timedelta(days=SCHEDULE_DAYS[locked.schedule]) - timedelta(hours=1):
                continue
            rerun = MonitoringRun.objects.create(poc=row.poc, monitoring=locked, endpoint_id=locked.endpoint_id,
                                                 baseline_run_id=locked.baseline_run_id)
            job = job_enqueue(kind=MONITORING_JOB_KIND, task=monitoring_run_task, subject=rerun)
            MonitoringRun.objects.filter(pk=rerun.pk).update(job_id=job.pk)
            started.append(rerun.pk)
    return started


def drift_metric(baseline: EvalRun) -> str:
    """The metric a re-run is compared on: the PoC's quality target's when both runs have it, else accuracy
    (classification) or the pass rate."""
    from apps.evaluations.selectors import targets_for

    metrics = (baseline.results or {}).get("metrics") or {}
    wanted = targets_for(baseline.poc).quality_metric
    if wanted and metrics.get(wanted):
        return wanted
    return "accuracy" if metrics.get("accuracy") else "pass_rate"


def monitoring_run_execute(*, monitoring_run_id: int, job=None) -> dict:
    """A re-run's job: the baseline's dataset items sent to the endpoint (as a live run), the answers scored the
    same way, and the paired difference re-run − baseline on the items both answered, with its 95% bootstrap
    interval (``paired.paired_difference``). A drop beyond the interval (upper bound below zero) raises the
    alert and tells the production owner (the lead when none is named), once per re-run. A finished re-run
    sends ``inputs_changed``, so the stored summary (the header's "Drift detected") follows it."""
    from apps.evaluations import endpoints, harness, paired
    from apps.evaluations.models import DatasetItem, ModelEndpoint, MonitoringRun
    from apps.evaluations.selectors import run_items
    from apps.notifications.services import notify

    rerun = MonitoringRun.objects.select_related("poc", "baseline_run", "baseline_run__poc").get(pk=monitoring_run_id)
    poc = rerun.poc
    MonitoringRun.objects.filter(pk=rerun.pk).update(status=MonitoringRun.Status.RUNNING)
    try:
        check_monitorable(poc)
        baseline = rerun.baseline_run
        endpoint = ModelEndpoint.objects.filter(pk=rerun.endpoint_id).first()
        if baseline is None or endpoint is None:
            raise ValidationFailed("The drift watch's endpoint or baseline run was removed.")
        destination = endpoints.checked_destination(endpoint.url)
        items = list(DatasetItem.objects.filter(dataset_id=baseline.dataset_id).order_by("id")
                     .values_list("item_id", "input", "label", "segment")[: settings.HARNESS_MAX_ITEMS])
        if not items:
            raise ValidationFailed("The standard dataset has no items to send.")
        engine = calls_engine(endpoint, destination, [item[1] for item in items])
        engine.run_in_thread().join()
        if engine.failure is not None:
            raise ValidationFailed("The calls stopped on an internal error; see the log.") from engine.failure
        stats = harness.summary(engine.calls, elapsed_s=engine.elapsed_s, max_in_flight=engine.max_in_flight)
        if not stats["throughput"]["answered"]:
            raise ValidationFailed("No call was answered: there is nothing to compare.")
        results_file, _ = _harness_files(items, engine.calls, match=endpoint.match)
        metric = drift_metric(baseline)
        now_items = paired.items_from_file(results_file, filename="results.jsonl",
                                           pass_threshold=baseline.pass_threshold)
        found = paired.paired_difference(now_items, run_items(baseline), metric, resamples=DRIFT_RESAMPLES,
                                         seed=baseline.seed)
    except (ValidationFailed, endpoints.EndpointRefused, compute.InputRefused) as error:
        with audited(None):
            MonitoringRun.objects.filter(pk=rerun.pk).update(status=MonitoringRun.Status.FAILED, error=str(error),
                                                             finished_at=timezone.now())
        raise ValidationFailed(str(error)) from None
    alert = found["ci_high"] is not None and found["ci_high"] < 0
    results = {"paired": found, "errors": stats["errors"], "throughput": stats["throughput"],
               "baseline_value": ((baseline.results or {}).get("metrics") or {}).get(metric)}
    with audited(None), transaction.atomic():
        MonitoringRun.objects.filter(pk=rerun.pk).update(
            status=MonitoringRun.Status.DONE, metric=metric, n=found["paired_n"], value=found["value"],
            ci_low=found["ci_low"], ci_high=found["ci_high"], alert=alert, results=results,
            finished_at=timezone.now())
        # The stored summary carries the newest finished re-run's alert to the PoC header: refreshed
        # once this commits, with or without an alert (a recovered model clears the badge).
        inputs_changed(poc.pk)
        if alert:
            from django.urls import reverse

            person = poc.production_owner or poc.lead
            if person is not None:
                notify(
                    person, "evaluations.drift", f"Quality drop on {poc.name}",
                    f"The drift watch's re-run of {poc.name} scores {metric.replace('_', ' ')} "
                    f"{found['value']:+.3f} against the run the decision was signed on (95% interval "
                    f"{found['ci_low']:+.3f} to {found['ci_high']:+.3f}, {found['paired_n']:,} items): a drop "
                    "beyond the interval.",
                    reverse("evaluations:index", args=[poc.pk]) + "#drift",
                    occasion=f"evaluations.drift:{rerun.pk}",
                )
    return {"monitoring_run": rerun.pk, "alert": alert, "value": found["value"]}
