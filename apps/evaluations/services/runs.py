"""Evaluation runs from an uploaded results file: stored, queued, computed, recomputed.

A run is computed by a job (``tasks.eval_run_compute_task``) that calls ``eval_run_compute``: parse →
validate → compute (``compute``, no Django) → store, the results replacing the previous ones only when all
went well.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.core.jobs import job_enqueue, job_progress
from apps.core.versioning import refuse
from apps.evaluations import compute
from apps.evaluations.measured import quality_measured
from apps.evaluations.models import Dataset, EvalRun, ModelVersion
from apps.evaluations.services.common import _check, _check_upload, _number, _options, compute_safe_name
from apps.pocs.models import PoC
from apps.pocs.services import check_open
from apps.pocs.signals import inputs_changed

JOB_KIND = "evaluations.run"

# Measured by the calls (and what they warned of: cancelled, errors), kept by a recompute from the results file.
HARNESS_RESULTS = ("throughput", "errors", "max_in_flight", "call_warnings")


def _enqueue(run: EvalRun, user, resamples: int, seed: int):
    from apps.evaluations.tasks import eval_run_compute_task

    job = job_enqueue(kind=JOB_KIND, task=eval_run_compute_task, subject=run, user=user, args=(resamples, seed))
    run.status = EvalRun.Status.QUEUED
    run.job_id = job.pk
    run.save(update_fields=["status", "job_id", "updated_at"])
    return job


def eval_run_create(
    *, poc: PoC, user, dataset, model_version, upload, pass_threshold=None, resamples=None, seed=None
) -> EvalRun:
    """Store the uploaded results file (with its SHA-256) and queue the job that computes the run."""
    _check(poc, user)
    if not isinstance(dataset, Dataset):
        dataset = Dataset.objects.filter(poc=poc, pk=_number("dataset", dataset, default=None)).first()
    if dataset is None or dataset.poc_id != poc.pk:
        raise refuse("dataset", "Choose one of this PoC's datasets.")
    if not isinstance(model_version, ModelVersion):
        model_version = ModelVersion.objects.filter(
            poc=poc, pk=_number("model_version", model_version, default=None)
        ).first()
    if model_version is None or model_version.poc_id != poc.pk:
        raise refuse("model_version", "Choose one of this PoC's model versions.")
    threshold = _number("pass_threshold", pass_threshold, default=None, kind=float, low=-1e300, high=1e300)
    resamples, seed = _options(resamples, seed)
    _check_upload(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    run = EvalRun(
        poc=poc, dataset=dataset, model_version=model_version, file_name=compute_safe_name(upload.name),
        file_sha256=digest.hexdigest(), file_size=upload.size, pass_threshold=threshold,
        resamples=resamples, seed=seed, created_by=user,
    )
    with audited(user):
        run.file.save(upload.name, upload, save=False)
        try:
            run.save()
            _enqueue(run, user, resamples, seed)
        except Exception:
            run.file.delete(save=False)
            raise
    return run


def eval_run_recompute(*, run: EvalRun, user, resamples=None, seed=None) -> EvalRun:
    """Queue the computation of ``run`` again from its kept file (``resamples`` / ``seed`` default to the run's)."""
    _check(run.poc, user)
    if not run.file:
        raise refuse("run", "The run has no results file yet (a live run writes it when its calls end).")
    resamples, seed = _options(run.resamples if resamples in (None, "") else resamples,
                               run.seed if seed in (None, "") else seed)
    with audited(user):
        locked = EvalRun.objects.select_for_update().get(pk=run.pk)
        _enqueue(locked, user, resamples, seed)
    locked.poc = run.poc
    return locked


def eval_run_compute(*, run_id: int, user=None, job=None, resamples: int | None = None, seed: int | None = None):
    """parse → validate → compute → store for one run; the previous results stay unless all of it succeeds.

    A file that cannot be evaluated raises ``compute.InputRefused`` with its message (the job
    fails with it); nothing is written then.
    """
    run = EvalRun.objects.select_related("poc").get(pk=run_id)
    check_open(run.poc)
    resamples = run.resamples if resamples is None else resamples
    seed = run.seed if seed is None else seed

    def progress(value: int, message: str) -> None:
        if job is not None:
            job_progress(job, progress=value, message=message)

    progress(5, "Reading the file")
    with run.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != run.file_sha256:
        raise ValidationFailed("The stored file does not match its SHA-256; upload it again.")
    progress(15, "Parsing")
    table = compute.parse(data, filename=run.file_name, max_rows=settings.EVAL_MAX_ROWS)
    del data
    progress(35, "Validating")
    outcomes = compute.validate(table, pass_threshold=run.pass_threshold)
    imported = {"imported_from": table.imported, "import_notes": table.notes[1:]} if table.imported else {}
    del table
    progress(50, f"Computing metrics and {resamples:,} bootstrap resamples")
    results = {**compute.compute(outcomes, resamples=resamples, seed=seed), **imported}
    progress(90, "Saving the results")
    return eval_run_store(run=run, user=user if user is not None else getattr(job, "created_by", None),
                          results=results, job_id=job.pk if job is not None else None)


def eval_run_store(*, run: EvalRun, user, results: dict, job_id: int | None = None, extra: dict | None = None,
                   status: str = EvalRun.Status.DONE) -> dict:
    """Replace the run's results with ``results`` in one audited write (the job's last step); ``extra``
    columns (a live run's files) are written with them. A live run's measured throughput, errors and
    in-flight maximum survive a recompute from its file."""
    check_open(run.poc)
    metrics = results.get("metrics") or {}
    headline = (metrics.get("accuracy") or metrics.get("pass_rate") or {}) if metrics else {}
    with audited(user), transaction.atomic():
        locked = EvalRun.objects.select_for_update().get(pk=run.pk)
        if locked.source == EvalRun.Source.HARNESS and locked.results and "errors" not in results:
            kept = {key: locked.results.get(key) for key in HARNESS_RESULTS}
            results = {**results, **kept, "warnings": [*(kept["call_warnings"] or []), *results.get("warnings", [])]}
        locked.results = results
        locked.kind = results["kind"]
        locked.n = results["n"]
        locked.warnings = results.get("warnings", [])
        locked.resamples = results["resamples"]
        locked.seed = results["seed"]
        locked.headline = headline.get("value") if headline else None
        locked.computed_at = timezone.now()
        locked.error = ""
        fields = ["results", "kind", "n", "warnings", "resamples", "seed", "headline", "computed_at", "error"]
        for name, value in (extra or {}).items():
            setattr(locked, name, value)
            fields.append(name)
        if job_id is None or locked.job_id == job_id:  # a newer job queued meanwhile keeps the run queued
            locked.status = status
            fields.append("status")
        locked.save(update_fields=[*fields, "updated_at"])
        quality_measured.send(sender=EvalRun, poc=run.poc, user=user)
        inputs_changed(run.poc_id)
    return {"run": run.pk, "n": results["n"], "kind": results["kind"]}
