"""Writes of the evaluations app: datasets, model versions, evaluation runs and their results.

Each service checks the caller's right (``edit`` on the PoC), refuses a decided PoC, validates
with the model's own rules and writes inside ``audited(user)``. Runs are computed by a job
(``tasks.eval_run_compute_task``) that calls ``eval_run_compute``: parse → validate → compute
(``compute``, no Django) → store, the results replacing the previous ones only when all went well.
"""

from __future__ import annotations

import hashlib
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.core.jobs import job_enqueue, job_progress
from apps.core.versioning import check_fields, refuse, validate, versioned_update
from apps.evaluations import compute
from apps.evaluations.models import Dataset, EvalRun, ModelVersion, Targets
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.services import check_open

DATASET_FIELDS = ("name", "kind", "description", "provenance", "is_standard")
MODEL_VERSION_FIELDS = ("name", "provider", "release", "notes")
ACCEPTED_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json", ".txt")
JOB_KIND = "evaluations.run"


def _check(poc: PoC, user) -> None:
    access.check(poc, user, access.EDIT)
    check_open(poc)


def _create(model, *, poc: PoC, user, data: dict[str, Any], fields) -> Any:
    _check(poc, user)
    check_fields(data, fields)
    row = model(poc=poc, created_by=user)
    for name, value in data.items():
        if name in ("description", "provenance", "notes", "name", "provider", "release", "kind"):
            value = "" if value is None else str(value).strip()
        setattr(row, name, value)
    validate(row, ["poc", *fields])  # every field: the required ones are refused when missing
    with audited(user):
        row.save()
    return row


def dataset_snapshot(dataset: Dataset) -> dict:
    return {f: getattr(dataset, f) for f in DATASET_FIELDS}


def model_version_snapshot(model_version: ModelVersion) -> dict:
    return {"name": model_version.name, "provider": model_version.provider, "version": model_version.release,
            "notes": model_version.notes}


def _one_standard(poc: PoC, data: dict[str, Any], *, other_than: int | None = None) -> None:
    if data.get("is_standard") in (True, "true", "True", "on", "1"):
        standard = Dataset.objects.filter(poc=poc, is_standard=True).exclude(pk=other_than).first()
        if standard is not None:
            raise refuse(
                "is_standard",
                f"The PoC already has a standard dataset ({standard.name}); unmark it first.",
            )


def dataset_create(*, poc: PoC, user, data: dict[str, Any]) -> Dataset:
    """Register a dataset (``name`` and ``kind`` required; at most one standard dataset per PoC)."""
    _check(poc, user)
    _one_standard(poc, data)
    return _create(Dataset, poc=poc, user=user, data=data, fields=DATASET_FIELDS)


def dataset_update(*, dataset: Dataset, user, changes: dict[str, Any], version) -> Dataset:
    _check(dataset.poc, user)
    check_fields(changes, DATASET_FIELDS)
    _one_standard(dataset.poc, changes, other_than=dataset.pk)
    return versioned_update(
        obj=dataset, user=user, changes=changes, version=version, snapshot=dataset_snapshot, what="dataset"
    )


def model_version_create(*, poc: PoC, user, data: dict[str, Any]) -> ModelVersion:
    """Register a model version (``name`` required; ``provider``, ``release``, ``notes`` optional)."""
    return _create(ModelVersion, poc=poc, user=user, data=data, fields=MODEL_VERSION_FIELDS)


def model_version_update(*, model_version: ModelVersion, user, changes: dict[str, Any], version) -> ModelVersion:
    _check(model_version.poc, user)
    check_fields(changes, MODEL_VERSION_FIELDS)
    return versioned_update(
        obj=model_version, user=user, changes=changes, version=version, snapshot=model_version_snapshot,
        what="model version",
    )


def upload_limit() -> int:
    return settings.EVAL_UPLOAD_MAX_BYTES


def too_big_message() -> str:
    return f"The file is larger than the {upload_limit() / (1024 * 1024):.0f} MB limit (setting EVAL_UPLOAD_MAX_BYTES)."


def _check_upload(upload) -> None:
    if upload is None:
        raise refuse("file", "Choose a results file (CSV or JSONL).")
    if upload.size > upload_limit():
        raise refuse("file", too_big_message())
    if upload.size == 0:
        raise refuse("file", "The file is empty.")
    if PurePath(upload.name or "").suffix.lower() not in ACCEPTED_SUFFIXES:
        raise refuse("file", "Upload a CSV (.csv) or JSON Lines (.jsonl) file.")


def _number(field: str, value, *, default, kind=int, low=None, high=None):
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise refuse(field, "Enter a number.") from None
    if kind is float and number != number:  # NaN
        raise refuse(field, "Enter a number.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise refuse(field, f"Enter a number from {low} to {high}.")
    return number


def _options(resamples, seed) -> tuple[int, int]:
    return (
        _number("resamples", resamples, default=2000, low=100, high=100_000),
        _number("seed", seed, default=0, low=0, high=2**31 - 1),
    )


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


def compute_safe_name(name: str) -> str:
    base = PurePath((name or "results").replace("\\", "/")).name.strip() or "results"
    return "".join(ch for ch in base if ch.isprintable())[:200]


def eval_run_recompute(*, run: EvalRun, user, resamples=None, seed=None) -> EvalRun:
    """Queue the computation of ``run`` again from its kept file (``resamples`` / ``seed`` default to the run's)."""
    _check(run.poc, user)
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
    del table
    progress(50, f"Computing metrics and {resamples:,} bootstrap resamples")
    results = compute.compute(outcomes, resamples=resamples, seed=seed)
    progress(90, "Saving the results")
    return eval_run_store(run=run, user=user if user is not None else getattr(job, "created_by", None),
                          results=results, job_id=job.pk if job is not None else None)


def eval_run_store(*, run: EvalRun, user, results: dict, job_id: int | None = None) -> dict:
    """Replace the run's results with ``results`` in one audited write (the job's last step)."""
    check_open(run.poc)
    metrics = results.get("metrics") or {}
    headline = (metrics.get("accuracy") or metrics.get("pass_rate") or {}) if metrics else {}
    with audited(user), transaction.atomic():
        locked = EvalRun.objects.select_for_update().get(pk=run.pk)
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
        if job_id is None or locked.job_id == job_id:  # a newer job queued meanwhile keeps the run queued
            locked.status = EvalRun.Status.DONE
            fields.append("status")
        locked.save(update_fields=[*fields, "updated_at"])
    return {"run": run.pk, "n": results["n"], "kind": results["kind"]}


# --- Targets and answers from runs -----------------------------------------------------------------

TARGET_FIELDS = ("quality_metric", "quality_threshold", "quality_basis", "latency_percentile", "latency_max_ms",
                 "min_throughput_per_s")


def targets_snapshot(targets: Targets) -> dict:
    return {f: getattr(targets, f) for f in TARGET_FIELDS}


def targets_update(*, poc: PoC, user, changes: dict[str, Any], version) -> Targets:
    """Set the PoC's quality and latency targets (any of ``TARGET_FIELDS``; the row is made on first use).

    An empty metric or percentile clears that target; the model's ``clean()`` refuses half a target.
    """
    _check(poc, user)
    check_fields(changes, TARGET_FIELDS)
    changes = dict(changes)
    if "quality_basis" in changes and not changes["quality_basis"]:
        changes["quality_basis"] = Targets.Basis.CI_LOW
    with audited(user), transaction.atomic():
        row, _ = Targets.objects.get_or_create(poc=poc)
        row.poc = poc
        return versioned_update(obj=row, user=user, changes=changes, version=version, snapshot=targets_snapshot,
                                what="targets")


ANSWER_KINDS = ("quality", "latency")


def validation_answer_from_run(*, run: EvalRun, user, kind: str, evidence_url: str, version=None):
    """Write a run's measurement as the answer of the quality or latency validation question, with a
    link to the run as its evidence, through the kickoff's own ``validation_update`` (rights, the
    decided rule, the version check and the audit trail all stay there)."""
    from apps.checklists import selectors as kickoff_selectors
    from apps.checklists import services as kickoff_services
    from apps.evaluations.selectors import run_answer, targets_for

    _check(run.poc, user)
    if kind not in ANSWER_KINDS:
        raise refuse("kind", "Only the quality and latency questions can be answered from a run.")
    answer = run_answer(run, kind, targets_for(run.poc))
    if answer is None:
        raise refuse("kind", f"This run has no {kind} measurement to answer with.")
    question = next(v for v in kickoff_selectors.validations(run.poc) if v.kind == kind)
    question.poc = run.poc
    return kickoff_services.validation_update(
        validation=question, user=user, changes={"answer": answer, "evidence_url": evidence_url},
        version=question.version if version in (None, "") else version,
    )
