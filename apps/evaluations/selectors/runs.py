"""Runs and their results: the PoC's datasets, model versions and runs, a run's state from its job, its summary
and API body, and the measured quality other apps read (see the package's notes)."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.core.models import Job
from apps.core.selectors import job_for
from apps.evaluations.models import Dataset, EvalRun, ModelVersion, Targets
from apps.evaluations.selectors.common import _UNSET
from apps.evaluations.selectors.targets import run_targets

JOB_STATUS = {
    Job.Status.QUEUED: EvalRun.Status.QUEUED,
    Job.Status.RUNNING: EvalRun.Status.RUNNING,
    Job.Status.RETRYING: EvalRun.Status.RUNNING,
    Job.Status.SUCCEEDED: EvalRun.Status.DONE,
    Job.Status.FAILED: EvalRun.Status.FAILED,
}


def datasets_for(poc) -> QuerySet[Dataset]:
    return Dataset.objects.filter(poc=poc).order_by("name", "id")


def model_versions_for(poc) -> QuerySet[ModelVersion]:
    return ModelVersion.objects.filter(poc=poc).order_by("name", "release", "id")


def runs_for(poc) -> QuerySet[EvalRun]:
    """The PoC's runs, newest first, with their dataset and model version (results deferred)."""
    return (
        EvalRun.objects.filter(poc=poc).select_related("dataset", "model_version").defer("results")
        .order_by("-created_at", "-id")
    )


def with_jobs(runs: list[EvalRun]) -> list[EvalRun]:
    """The runs with the latest job of each one not done attached, read in one query."""
    wanted = {run.job_id: run for run in runs if run.status != EvalRun.Status.DONE and run.job_id is not None}
    if wanted:
        jobs = {job.pk: job for job in Job.objects.filter(pk__in=list(wanted), subject_type=EvalRun._meta.label_lower)}
        for job_id, run in wanted.items():
            job = jobs.get(job_id)
            run._job = job if job is not None and job.subject_id == run.pk else None
    return runs


def run_job(run: EvalRun) -> Job | None:
    if run.job_id is None:
        return None
    if not hasattr(run, "_job"):
        run._job = job_for(run, run.job_id)
    return run._job


def run_state(run: EvalRun) -> tuple[str, str, int, str]:
    """(status, error, progress 0–100, what the job is doing) of the run's latest job.

    A run whose results are stored by its latest job is ``done``; otherwise the job tells
    (a job that failed, or whose worker died, says why).
    """
    if run.status in (EvalRun.Status.DONE, EvalRun.Status.CANCELLED):
        return run.status, "", 100, ""
    job = run_job(run)
    if job is None:
        return run.status, run.error, 0, ""
    status = JOB_STATUS.get(job.status, EvalRun.Status.QUEUED)
    if status == EvalRun.Status.DONE and run.status != EvalRun.Status.DONE:
        status = EvalRun.Status.RUNNING  # the job finished but its results are being read back
    return status, job.error if status == EvalRun.Status.FAILED else "", job.progress, job.message


def run_summary(run: EvalRun) -> dict:
    """A run in a few numbers: status, n, kind and its headline metric (accuracy or pass rate)."""
    status, error, progress, _ = run_state(run)
    return {
        "id": run.pk,
        "status": status,
        "error": error,
        "progress": progress,
        "dataset": run.dataset_id,
        "model_version": run.model_version_id,
        "kind": run.kind,
        "n": run.n,
        "metric": "accuracy" if run.kind == "classification" else ("pass_rate" if run.kind else None),
        "value": run.headline,
        "computed_at": run.computed_at,
    }



def run_detail(run: EvalRun, targets=_UNSET) -> dict:
    """The run as the API reads it (see the README's "Evaluations"), with its verdict on the PoC's targets
    (``targets``: the PoC's row, handed in by a caller listing many runs)."""
    if targets is _UNSET:
        targets = Targets.objects.filter(poc_id=run.poc_id).first()
    status, error, progress, message = run_state(run)
    results = run.results or {}
    body = {
        "id": run.pk,
        "status": status,
        "error": error,
        "progress": progress,
        "progress_message": message,
        "warnings": list(run.warnings or []),
        "n": run.n,
        "kind": run.kind or None,
        "dataset": run.dataset_id,
        "model_version": run.model_version_id,
        "file_name": run.file_name,
        "file_sha256": run.file_sha256,
        "file_size": run.file_size,
        "pass_threshold": run.pass_threshold,
        "resamples": run.resamples,
        "seed": run.seed,
        "computed_at": run.computed_at.isoformat() if run.computed_at else None,
        "created_at": run.created_at.isoformat() if run.created_at else None,
        "source": run.source,
        "endpoint": run.endpoint_id,
        "concurrency": run.concurrency,
        "limit": run.limit,
        "cancel_requested": run.cancel_requested,
        "imported_from": results.get("imported_from"),  # the tool whose file was read (None: the portal's own)
        "import_notes": results.get("import_notes") or [],
    }
    for key in ("metrics", "per_class", "confusion_matrix", "segments", "failure_modes", "latency", "throughput",
                "errors", "max_in_flight"):
        body[key] = results.get(key)
    if run.kind == "graded":
        body["per_class"] = None
        body["confusion_matrix"] = None
    body["targets"] = run_targets(targets, results if run.results else None)
    return body


def _production_dataset(poc) -> Dataset | None:
    return Dataset.objects.filter(poc=poc, is_standard=True, kind=Dataset.Kind.PRODUCTION).first()


def measured_quality(poc, model_version_id: int | None = None) -> dict | None:
    """The PoC's measured quality on its production sample (see the module's notes), or None."""
    dataset = _production_dataset(poc)
    if dataset is None:
        return None
    runs = EvalRun.objects.filter(poc=poc, dataset=dataset, headline__isnull=False).order_by(
        "-headline", "-computed_at", "-id"
    )
    if model_version_id is not None:
        runs = runs.filter(model_version_id=model_version_id)
    run = runs.only("id", "kind", "headline", "model_version_id").first()
    if run is None:
        return None
    return {
        "value": float(run.headline),
        "metric": "accuracy" if run.kind == "classification" else "pass_rate",
        "run": run.pk,
        "model_version": run.model_version_id,
    }
