"""Writes of the evaluations app: datasets, model versions, evaluation runs and their results.

Each service checks the caller's right (``edit`` on the PoC), refuses a decided PoC, validates
with the model's own rules and writes inside ``audited(user)``. Runs are computed by a job
(``tasks.eval_run_compute_task``) that calls ``eval_run_compute``: parse → validate → compute
(``compute``, no Django) → store, the results replacing the previous ones only when all went well.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.core.jobs import job_enqueue, job_progress
from apps.core.models import Job
from apps.core.versioning import check_fields, refuse, validate, versioned_update
from apps.evaluations import compute
from apps.evaluations.measured import quality_measured
from apps.evaluations.models import Dataset, EvalRun, ModelVersion, Targets
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.services import check_open
from apps.pocs.signals import inputs_changed

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
        inputs_changed(poc.pk)
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
    saved = versioned_update(
        obj=dataset, user=user, changes=changes, version=version, snapshot=dataset_snapshot, what="dataset"
    )
    inputs_changed(dataset.poc_id)
    return saved


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


# Measured by the calls (and what they warned of: cancelled, errors), kept by a recompute from the results file.
HARNESS_RESULTS = ("throughput", "errors", "max_in_flight", "call_warnings")


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
        inputs_changed(poc.pk)
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


# --- Live runs: dataset items, model endpoints, harness runs ---------------------------------------

ITEM_COLUMNS = ("id", "input", "label")
ENDPOINT_FIELDS = ("name", "model_version", "kind", "url", "model", "request_template", "response_path", "headers",
                   "timeout_s", "max_concurrency", "max_rate_per_s", "match")
HARNESS_JOB_KIND = "evaluations.harness"


def dataset_items_replace(*, dataset: Dataset, user, upload) -> int:
    """Replace the dataset's items with those of a CSV or JSONL file (``id``, ``input``, ``label``, optional
    ``segment``); the same bad-input rules as a results file. Returns the number of items."""
    from apps.evaluations.models import DatasetItem

    _check(dataset.poc, user)
    _check_upload(upload)
    upload.seek(0)
    data = upload.read()
    try:
        rows = compute.parse_items(data, filename=upload.name or "", max_rows=settings.HARNESS_MAX_ITEMS)
    except compute.InputRefused as refused:
        raise refuse("file", str(refused)) from None
    limit = DatasetItem._meta.get_field("label").max_length
    input_limit = DatasetItem._meta.get_field("input").max_length
    for number, row in enumerate(rows, start=1):
        for key in ("id", "label", "segment"):
            if len(row[key]) > limit:
                raise refuse("file", f"Column {key} is longer than {limit} characters on row {number}.")
        if len(row["input"]) > input_limit:
            raise refuse("file", f"Column input is longer than {input_limit:,} characters on row {number}.")
    with audited(user), transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        DatasetItem.objects.filter(dataset=locked).delete()
        DatasetItem.objects.bulk_create(
            (DatasetItem(dataset=locked, item_id=r["id"], input=r["input"], label=r["label"], segment=r["segment"])
             for r in rows), batch_size=2000,
        )
        locked.items_count = len(rows)
        locked.items_file_name = compute_safe_name(upload.name)
        locked.items_sha256 = hashlib.sha256(data).hexdigest()
        locked.save(update_fields=["items_count", "items_file_name", "items_sha256", "updated_at"])
        inputs_changed(dataset.poc_id)
    dataset.items_count, dataset.items_file_name, dataset.items_sha256 = (
        locked.items_count, locked.items_file_name, locked.items_sha256)
    return len(rows)


ITEM_FIELDS = ("item_id", "input", "label", "segment")


def dataset_item_snapshot(item) -> dict:
    return {f: getattr(item, f) for f in ITEM_FIELDS}


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _item_recorded(dataset: Dataset, change: str) -> None:
    """Record a change of one item on the dataset's audited row (inside the caller's audited transaction):
    the trail then says who changed which item, from what to what."""
    from apps.evaluations.models import DatasetItem

    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    locked.items_count = DatasetItem.objects.filter(dataset=locked).count()
    locked.items_change = change[: Dataset._meta.get_field("items_change").max_length]
    locked.save(update_fields=["items_count", "items_change", "updated_at"])
    inputs_changed(dataset.poc_id)
    dataset.items_count, dataset.items_change = locked.items_count, locked.items_change


def _item_apply(dataset: Dataset):
    from apps.evaluations.models import DatasetItem

    def apply(row, changes: dict[str, Any]) -> list[str]:
        for name, value in changes.items():
            setattr(row, name, "" if value is None else str(value).strip())
        if "item_id" in changes and DatasetItem.objects.filter(
                dataset=dataset, item_id=row.item_id).exclude(pk=row.pk).exists():
            raise refuse("item_id", f"The dataset already has an item with the id {row.item_id}.")
        return list(changes)

    return apply


def dataset_item_create(*, dataset: Dataset, user, data: dict[str, Any]):
    """Add one item to the dataset (``item_id``, ``input``, ``label`` required; ``segment`` optional)."""
    from apps.evaluations.models import DatasetItem

    _check(dataset.poc, user)
    check_fields(data, ITEM_FIELDS)
    row = DatasetItem(dataset=dataset)
    _item_apply(dataset)(row, {f: data.get(f, "") for f in ITEM_FIELDS})
    validate(row, list(ITEM_FIELDS))
    with audited(user), transaction.atomic():
        row.save()
        _item_recorded(dataset, f"Added item {_short(row.item_id)}: label “{_short(row.label)}”.")
    return row


def dataset_item_update(*, item, user, changes: dict[str, Any], version):
    """Change one item (any of ``ITEM_FIELDS``); the dataset's trail records each field before and after."""
    dataset = item.dataset
    _check(dataset.poc, user)
    check_fields(changes, ITEM_FIELDS)
    before = dataset_item_snapshot(item)
    with audited(user), transaction.atomic():
        row = versioned_update(obj=item, user=user, changes=changes, version=version,
                               snapshot=dataset_item_snapshot, what="item", apply=_item_apply(dataset))
        after = dataset_item_snapshot(row)
        changed = [f"{name} “{_short(before[name])}” → “{_short(after[name])}”"
                   for name in ITEM_FIELDS if before[name] != after[name]]
        if changed:
            _item_recorded(dataset, f"Changed item {_short(before['item_id'])}: " + "; ".join(changed) + ".")
    row.dataset = dataset
    return row


def dataset_item_delete(*, item, user) -> None:
    """Remove one item; the dataset's trail records which (with its label)."""
    dataset = item.dataset
    _check(dataset.poc, user)
    with audited(user), transaction.atomic():
        item.delete()
        _item_recorded(dataset, f"Removed item {_short(item.item_id)} (label “{_short(item.label)}”).")


def model_endpoint_snapshot(endpoint) -> dict:
    """The endpoint as a conflict shows it (headers never: only their names)."""
    return {
        "name": endpoint.name, "model_version": endpoint.model_version_id, "kind": endpoint.kind, "url": endpoint.url,
        "model": endpoint.model, "request_template": endpoint.request_template,
        "response_path": endpoint.response_path, "header_names": endpoint.header_names,
        "timeout_s": endpoint.timeout_s, "max_concurrency": endpoint.max_concurrency,
        "max_rate_per_s": endpoint.max_rate_per_s, "match": endpoint.match,
    }


def _endpoint_apply(poc: PoC):
    """Set an endpoint's fields from input: the host checked against the allowed list, the headers encrypted."""
    from apps.evaluations import endpoints
    from apps.evaluations.harness import PLACEHOLDER

    def apply(row, changes: dict[str, Any]) -> list[str]:
        fields = []
        for name, value in changes.items():
            if name == "headers":
                try:
                    headers = endpoints.clean_headers(value)
                except endpoints.EndpointRefused as error:
                    raise refuse("headers", str(error)) from None
                if headers and not settings.FIELD_ENCRYPTION_KEY:
                    raise refuse("headers", "Headers cannot be stored: FIELD_ENCRYPTION_KEY is not set (an "
                                            "administrator must configure it).")
                row.headers_encrypted = endpoints.encrypt_headers(headers)
                row.header_names = ", ".join(sorted(headers))[:2000]
                row.headers_changed_at = timezone.now()
                fields += ["headers_encrypted", "header_names", "headers_changed_at"]
                continue
            if name == "model_version":
                model_version = value if isinstance(value, ModelVersion) else ModelVersion.objects.filter(
                    poc=poc, pk=_number("model_version", value, default=None)).first()
                if model_version is None or model_version.poc_id != poc.pk:
                    raise refuse("model_version", "Choose one of this PoC's model versions.")
                row.model_version = model_version
                fields.append("model_version")
                continue
            if name in ("name", "kind", "url", "model", "response_path", "match"):
                value = "" if value is None else str(value).strip()
            if name in ("timeout_s", "max_concurrency", "max_rate_per_s") and value == "":
                value = None
            if name in ("timeout_s", "max_concurrency") and value is None:
                value = row._meta.get_field(name).default
            setattr(row, name, value)
            fields.append(name)
        if not row.match:
            row.match = row.Match.CASEFOLD
        if "url" in changes:
            try:
                endpoints.allowed_entry(row.url)
            except endpoints.EndpointRefused as error:
                raise refuse("url", str(error)) from None
        if "\\u0000" in json.dumps(row.request_template):
            raise refuse("request_template", "The template holds a NUL character.")
        if row.kind == row.Kind.HTTP_JSON:
            if not isinstance(row.request_template, dict | list) or PLACEHOLDER not in json.dumps(row.request_template):
                raise refuse("request_template", f"Give the JSON body to send, with {PLACEHOLDER} where the input "
                                                 "goes (inside a string).")
            if not row.response_path:
                raise refuse("response_path", "Say where the prediction is in the reply, e.g. prediction or "
                                              "choices.0.message.content.")
        elif row.kind == row.Kind.OPENAI_CHAT and not row.model:
            raise refuse("model", "Name the model to ask (the request's model).")
        return fields

    return apply


def model_endpoint_create(*, poc: PoC, user, data: dict[str, Any]):
    """Register a model endpoint for one of the PoC's model versions (its host must be allowed)."""
    from apps.evaluations.models import ModelEndpoint

    _check(poc, user)
    check_fields(data, ENDPOINT_FIELDS)
    row = ModelEndpoint(poc=poc, created_by=user)
    if "model_version" not in data:
        raise refuse("model_version", "Choose one of this PoC's model versions.")
    names = _endpoint_apply(poc)(row, data)
    validate(row, ["poc", "name", "kind", "url", "timeout_s", "max_concurrency", "max_rate_per_s", "match",
                   *[n for n in names if n in {"model", "response_path"}]])
    if ModelEndpoint.objects.filter(poc=poc, name=row.name).exists():
        raise refuse("name", "The PoC already has an endpoint with this name.")
    with audited(user):
        row.save()
    return row


def model_endpoint_update(*, endpoint, user, changes: dict[str, Any], version):
    """Change an endpoint (any of ``ENDPOINT_FIELDS``; ``headers`` replaces every header)."""
    _check(endpoint.poc, user)
    check_fields(changes, ENDPOINT_FIELDS)
    return versioned_update(obj=endpoint, user=user, changes=changes, version=version,
                            snapshot=model_endpoint_snapshot, what="model endpoint",
                            apply=_endpoint_apply(endpoint.poc))


def model_endpoint_delete(*, endpoint, user) -> None:
    """Delete an endpoint; its runs stay (they no longer name it)."""
    _check(endpoint.poc, user)
    with audited(user):
        endpoint.delete()


def harness_run_create(*, poc: PoC, user, dataset, endpoint, concurrency=None, limit=None, resamples=None,
                       seed=None) -> EvalRun:
    """Queue a live run: call ``endpoint`` over the dataset's items (the first ``limit``), with at most the
    lower of ``concurrency`` and the endpoint's ``max_concurrency`` requests in flight."""
    from apps.evaluations import endpoints
    from apps.evaluations.models import ModelEndpoint
    from apps.evaluations.tasks import harness_run_task

    _check(poc, user)
    if not isinstance(dataset, Dataset):
        dataset = Dataset.objects.filter(poc=poc, pk=_number("dataset", dataset, default=None)).first()
    if dataset is None or dataset.poc_id != poc.pk:
        raise refuse("dataset", "Choose one of this PoC's datasets.")
    if not dataset.items_count:
        raise refuse("dataset", "The dataset has no items yet; upload them first (id, input, label).")
    if not isinstance(endpoint, ModelEndpoint):
        endpoint = ModelEndpoint.objects.filter(poc=poc, pk=_number("endpoint", endpoint, default=None)).first()
    if endpoint is None or endpoint.poc_id != poc.pk:
        raise refuse("endpoint", "Choose one of this PoC's model endpoints.")
    try:
        endpoints.allowed_entry(endpoint.url)
    except endpoints.EndpointRefused as error:
        raise refuse("endpoint", str(error)) from None
    wanted = _number("concurrency", concurrency, default=endpoint.max_concurrency, low=1,
                     high=settings.HARNESS_MAX_CONCURRENCY)
    limit = _number("limit", limit, default=None, low=1, high=settings.HARNESS_MAX_ITEMS)
    resamples, seed = _options(resamples, seed)
    run = EvalRun(
        poc=poc, dataset=dataset, model_version_id=endpoint.model_version_id, endpoint=endpoint,
        source=EvalRun.Source.HARNESS, concurrency=min(wanted, endpoint.max_concurrency), limit=limit,
        file_name="", file_sha256="", file_size=0, resamples=resamples, seed=seed, created_by=user,
    )
    with audited(user):
        run.save()
        job = job_enqueue(kind=HARNESS_JOB_KIND, task=harness_run_task, subject=run, user=user)
        run.job_id = job.pk
        run.save(update_fields=["job_id", "updated_at"])
    return run


def harness_run_cancel(*, run: EvalRun, user) -> EvalRun:
    """Stop a live run: no new request starts within a second; what was answered is kept and computed. A run
    whose job has not started yet ends ``cancelled`` at once."""
    _check(run.poc, user)
    if run.source != EvalRun.Source.HARNESS:
        raise refuse("run", "Only a live run can be cancelled.")
    with audited(user), transaction.atomic():
        locked = EvalRun.objects.select_for_update().get(pk=run.pk)
        if locked.status in (EvalRun.Status.DONE, EvalRun.Status.FAILED, EvalRun.Status.CANCELLED):
            raise refuse("run", f"The run has already ended ({locked.status}).")
        locked.cancel_requested = True
        fields = ["cancel_requested", "updated_at"]
        job = Job.objects.filter(pk=locked.job_id).only("status").first() if locked.job_id else None
        if job is None or job.status == Job.Status.QUEUED:
            # Not started: nothing will be called (the job, should a worker still take it, sees the flag
            # before any call and only marks the run cancelled again).
            locked.status = EvalRun.Status.CANCELLED
            fields.append("status")
        locked.save(update_fields=fields)
    locked.poc = run.poc
    return locked


def harness_run_execute(*, run_id: int, job=None) -> dict:
    """The live run's job: call the endpoint over the items, then store the results file and compute it
    exactly as an uploaded one (``compute.parse`` → ``validate`` → ``compute``), plus throughput, errors by
    kind and the in-flight maximum. The endpoint's host is checked again after resolving it."""
    from django.core.files.base import ContentFile

    from apps.evaluations import endpoints, harness
    from apps.evaluations.models import DatasetItem, ModelEndpoint

    run = EvalRun.objects.select_related("poc").get(pk=run_id)
    check_open(run.poc)
    user = getattr(job, "created_by", None)
    if run.cancel_requested:
        _harness_mark(run, EvalRun.Status.CANCELLED, job)
        return {"run": run.pk, "cancelled": True}
    endpoint = ModelEndpoint.objects.filter(pk=run.endpoint_id).first()
    if endpoint is None:
        raise ValidationFailed("The run's model endpoint was deleted.")
    try:
        destination = endpoints.checked_destination(endpoint.url)
    except endpoints.EndpointRefused as error:
        raise ValidationFailed(str(error)) from None
    items = list(DatasetItem.objects.filter(dataset_id=run.dataset_id).order_by("id")
                 .values_list("item_id", "input", "label", "segment")[: run.limit or settings.HARNESS_MAX_ITEMS])
    if not items:
        raise ValidationFailed("The dataset has no items.")
    bodies = harness.request_bodies(endpoint.kind, model=endpoint.model, template=endpoint.request_template,
                                    inputs=[item[1] for item in items])
    engine = harness.Engine(
        destination, endpoints.decrypt_headers(endpoint.headers_encrypted), bodies,
        harness.response_reader(endpoint.kind, endpoint.response_path),
        harness.Limits(concurrency=min(run.concurrency or endpoint.max_concurrency, endpoint.max_concurrency),
                       timeout_s=endpoint.timeout_s, max_reply_bytes=settings.HARNESS_MAX_REPLY_BYTES,
                       deadline_s=settings.HARNESS_MAX_RUN_SECONDS, rate_per_s=endpoint.max_rate_per_s),
        ca_file=settings.MODEL_ENDPOINT_CA_FILE,
    )
    del bodies
    _watch(engine, run, job, total=len(items))
    if engine.failure is not None:
        raise ValidationFailed("The calls stopped on an internal error; see the log.") from engine.failure
    stats = harness.summary(engine.calls, elapsed_s=engine.elapsed_s, max_in_flight=engine.max_in_flight)
    results_file, calls_file = _harness_files(items, engine.calls, match=endpoint.match)
    warnings = []
    if engine.stopped_by:
        why = "it was cancelled" if engine.stopped_by == "cancel" else (
            f"it reached the time limit of {settings.HARNESS_MAX_RUN_SECONDS} s (setting HARNESS_MAX_RUN_SECONDS)")
        warnings.append(f"{stats['throughput']['n']:,} of {len(items):,} items were called before {why}.")
    if stats["errors"]["total"]:
        warnings.append(f"{stats['errors']['total']:,} calls failed and are left out of the quality metrics "
                        f"(error rate {stats['errors']['rate']:.1%}).")
    if job is not None:
        job_progress(job, progress=92, message="Computing the metrics")
    answered = stats["throughput"]["answered"]
    if answered:
        table = compute.parse(results_file, filename="results.jsonl", max_rows=settings.HARNESS_MAX_ITEMS)
        results = compute.compute(compute.validate(table), resamples=run.resamples, seed=run.seed)
    else:
        results = {"kind": compute.CLASSIFICATION, "n": 0, "resamples": run.resamples, "seed": run.seed,
                   "warnings": [], "metrics": None, "per_class": None, "confusion_matrix": None, "segments": [],
                   "failure_modes": [], "latency": None}
        warnings.append("No call was answered: there is nothing to compute metrics from.")
    results.update(stats)
    results["call_warnings"] = warnings
    results["warnings"] = [*warnings, *results.get("warnings", [])]
    name = f"harness-run-{run.pk}.jsonl"
    run.file.save(name, ContentFile(results_file), save=False)
    run.calls_file.save(f"harness-run-{run.pk}-calls.jsonl", ContentFile(calls_file), save=False)
    extra = {"file": run.file.name, "calls_file": run.calls_file.name, "file_name": name,
             "file_sha256": hashlib.sha256(results_file).hexdigest(), "file_size": len(results_file)}
    status = EvalRun.Status.CANCELLED if engine.stopped_by == "cancel" else EvalRun.Status.DONE
    eval_run_store(run=run, user=user, results=results, job_id=job.pk if job is not None else None, extra=extra,
                   status=status)
    return {"run": run.pk, "n": results["n"], "calls": stats["throughput"]["n"], "errors": stats["errors"]["total"]}


def _watch(engine, run: EvalRun, job, *, total: int) -> None:
    """Run the calls in their thread; meanwhile report progress and look at the cancel flag (4 times a second)."""
    import time

    thread = engine.run_in_thread()
    last_progress = 0.0
    while thread.is_alive():
        thread.join(0.25)
        if EvalRun.objects.filter(pk=run.pk, cancel_requested=True).exists():
            engine.stop("cancel")
        now = time.monotonic()
        if job is not None and now - last_progress >= 1:
            last_progress = now
            job_progress(job, progress=5 + int(85 * engine.done / max(1, total)),
                         message=f"Calling the model: {engine.done:,} of {total:,} items, {engine.in_flight} in flight")
    thread.join()


def _harness_files(items, calls, *, match: str) -> tuple[bytes, bytes]:
    """The canonical results file of the answered items (as a person would upload it) and every call's record."""
    from apps.evaluations.models import ModelEndpoint

    folded = {}
    if match == ModelEndpoint.Match.CASEFOLD:
        for _, _, label, _ in items:
            folded.setdefault(label.strip().casefold(), label.strip())
    results, records = [], []
    for (item_id, _, label, segment), call in zip(items, calls, strict=True):
        if call is None:
            continue
        record = {"id": item_id, "prediction": call.prediction, "latency_ms": call.latency_ms,
                  "error": call.error or None, "status": call.status}
        records.append(json.dumps(record, ensure_ascii=False))
        if call.error:
            continue
        prediction = call.prediction
        if folded:
            prediction = folded.get(prediction.strip().casefold(), prediction)
        row = {"id": item_id, "label": label, "prediction": prediction, "latency_ms": round(call.latency_ms, 3)}
        if segment:
            row["segment"] = segment
        results.append(json.dumps(row, ensure_ascii=False))
    return ("\n".join(results) + "\n").encode(), ("\n".join(records) + "\n").encode()


def _harness_mark(run: EvalRun, status: str, job) -> None:
    with audited(getattr(job, "created_by", None)):
        EvalRun.objects.filter(pk=run.pk).update(status=status, updated_at=timezone.now())


# --- Load tests -------------------------------------------------------------------------------------------------

LOAD_TEST_JOB_KIND = "evaluations.load_test"
DEFAULT_RATES = (1, 5, 20)
MAX_RATES = 10


def _rates(value) -> list[float]:
    if value in (None, "", []):
        return [float(r) for r in DEFAULT_RATES]
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, list | tuple) or not value or len(value) > MAX_RATES:
        raise refuse("rates", f"Give 1 to {MAX_RATES} request rates per second, e.g. 1, 5, 20.")
    rates = [_number("rates", r, default=None, kind=float, low=0.01, high=100_000) for r in value]
    if len(set(rates)) != len(rates):
        raise refuse("rates", "Give each rate once.")
    return sorted(rates)


def load_test_create(*, poc: PoC, user, endpoint, dataset, rates=None, duration_s=None):
    """Queue a load test: ``endpoint`` called at each rate (default 1, 5 and 20 per second) for ``duration_s``
    seconds (default 10) with the dataset's inputs; total requests and time are bounded by the live-run
    settings (``HARNESS_MAX_ITEMS``, ``HARNESS_MAX_RUN_SECONDS``)."""
    import math

    from apps.evaluations import endpoints
    from apps.evaluations.models import LoadTest, ModelEndpoint
    from apps.evaluations.tasks import load_test_task

    _check(poc, user)
    if not isinstance(endpoint, ModelEndpoint):
        endpoint = ModelEndpoint.objects.filter(poc=poc, pk=_number("endpoint", endpoint, default=None)).first()
    if endpoint is None or endpoint.poc_id != poc.pk:
        raise refuse("endpoint", "Choose one of this PoC's model endpoints.")
    if not isinstance(dataset, Dataset):
        dataset = Dataset.objects.filter(poc=poc, pk=_number("dataset", dataset, default=None)).first()
    if dataset is None or dataset.poc_id != poc.pk:
        raise refuse("dataset", "Choose one of this PoC's datasets.")
    if not dataset.items_count:
        raise refuse("dataset", "The dataset has no items yet; its inputs are what the load test sends.")
    try:
        endpoints.allowed_entry(endpoint.url)
    except endpoints.EndpointRefused as error:
        raise refuse("endpoint", str(error)) from None
    rates = _rates(rates)
    duration = _number("duration_s", duration_s, default=10.0, kind=float, low=0.5, high=3600)
    if duration * len(rates) > settings.HARNESS_MAX_RUN_SECONDS:
        raise refuse("duration_s", f"{len(rates)} rates of {duration:g} s take longer than the "
                                   f"{settings.HARNESS_MAX_RUN_SECONDS} s a test may run (HARNESS_MAX_RUN_SECONDS).")
    total = sum(math.ceil(rate * duration) for rate in rates)
    if total > settings.HARNESS_MAX_ITEMS:
        raise refuse("duration_s", f"These rates and duration make {total:,} requests; the limit is "
                                   f"{settings.HARNESS_MAX_ITEMS:,} (HARNESS_MAX_ITEMS).")
    test = LoadTest(poc=poc, endpoint=endpoint, dataset=dataset, rates=rates, duration_s=duration, created_by=user)
    with audited(user):
        test.save()
        job = job_enqueue(kind=LOAD_TEST_JOB_KIND, task=load_test_task, subject=test, user=user)
        test.job_id = job.pk
        test.save(update_fields=["job_id", "updated_at"])
    return test


def load_test_execute(*, load_test_id: int, job=None) -> dict:
    """The load test's job: each rate in turn, requests started evenly at that rate (capped by the endpoint's
    ``max_rate_per_s``) for the duration, at most ``max_concurrency`` in flight; then the percentiles, error
    rates and the knee against the PoC's latency target."""
    import math

    from apps.evaluations import endpoints, harness, loadtest
    from apps.evaluations.models import DatasetItem, LoadTest, ModelEndpoint

    test = LoadTest.objects.select_related("poc").get(pk=load_test_id)
    check_open(test.poc)
    if test.cancel_requested:
        with audited(getattr(job, "created_by", None)):
            LoadTest.objects.filter(pk=test.pk).update(status=LoadTest.Status.CANCELLED, updated_at=timezone.now())
        return {"load_test": test.pk, "cancelled": True}
    LoadTest.objects.filter(pk=test.pk).update(status=LoadTest.Status.RUNNING, updated_at=timezone.now())
    endpoint = ModelEndpoint.objects.filter(pk=test.endpoint_id).first()
    if endpoint is None:
        raise ValidationFailed("The load test's model endpoint was deleted.")
    try:
        destination = endpoints.checked_destination(endpoint.url)
    except endpoints.EndpointRefused as error:
        raise ValidationFailed(str(error)) from None
    inputs = list(DatasetItem.objects.filter(dataset_id=test.dataset_id).order_by("id")
                  .values_list("input", flat=True)[: settings.HARNESS_MAX_ITEMS])
    if not inputs:
        raise ValidationFailed("The dataset has no items.")
    headers = endpoints.decrypt_headers(endpoint.headers_encrypted)
    read = harness.response_reader(endpoint.kind, endpoint.response_path)
    rows, notes = [], []
    cancelled = False
    for index, wanted in enumerate(test.rates):
        rate = min(wanted, endpoint.max_rate_per_s) if endpoint.max_rate_per_s else wanted
        if rate < wanted:
            notes.append(f"{wanted:g} per second was capped at the endpoint's {rate:g} (max_rate_per_s).")
        n = math.ceil(wanted * test.duration_s)
        bodies = harness.request_bodies(endpoint.kind, model=endpoint.model, template=endpoint.request_template,
                                        inputs=[inputs[i % len(inputs)] for i in range(n)])
        engine = harness.Engine(
            destination, headers, bodies, read,
            harness.Limits(concurrency=endpoint.max_concurrency, timeout_s=endpoint.timeout_s,
                           max_reply_bytes=settings.HARNESS_MAX_REPLY_BYTES,
                           deadline_s=test.duration_s + endpoint.timeout_s, rate_per_s=rate),
            ca_file=settings.MODEL_ENDPOINT_CA_FILE,
        )
        if job is not None:
            job_progress(job, progress=5 + int(85 * index / len(test.rates)),
                         message=f"Calling at {wanted:g} per second ({index + 1} of {len(test.rates)})")
        thread = engine.run_in_thread()
        while thread.is_alive():
            thread.join(0.25)
            if LoadTest.objects.filter(pk=test.pk, cancel_requested=True).exists():
                engine.stop("cancel")
        thread.join()
        if engine.failure is not None:
            raise ValidationFailed("The calls stopped on an internal error; see the log.") from engine.failure
        made = [c for c in engine.calls if c is not None]
        if made:
            rows.append(loadtest.rate_row(
                rate=wanted, latencies_ms=[c.latency_ms for c in made if not c.error], calls=len(made),
                errors=sum(1 for c in made if c.error), elapsed_s=engine.elapsed_s, seed=0, index=index))
        if engine.stopped_by == "cancel":
            cancelled = True
            notes.append(f"Cancelled at {wanted:g} per second after {len(made):,} of {n:,} requests; "
                         "later rates were not run.")
            break
    from apps.evaluations.selectors import targets_for

    targets = targets_for(test.poc)
    percentile = targets.latency_percentile or None
    knee = loadtest.knee(rows, percentile=percentile, max_ms=targets.latency_max_ms)
    results = {"rates": rows, "percentile": percentile, "max_ms": targets.latency_max_ms,
               "duration_s": test.duration_s, "notes": notes}
    status = LoadTest.Status.CANCELLED if cancelled else LoadTest.Status.DONE
    with audited(getattr(job, "created_by", None)):
        LoadTest.objects.filter(pk=test.pk).update(results=results, knee_rate=knee, status=status,
                                                   updated_at=timezone.now())
    return {"load_test": test.pk, "rates": len(rows), "knee_rate": knee, "cancelled": cancelled}


def validation_answer_from_load_test(*, load_test, user, evidence_url: str, version=None):
    """Write a finished load test's latency per rate (and its knee) as the answer of the latency validation
    question, linking the test as evidence, through the kickoff's own ``validation_update``."""
    from apps.checklists import selectors as kickoff_selectors
    from apps.checklists import services as kickoff_services
    from apps.evaluations.selectors import load_test_answer, load_test_body

    _check(load_test.poc, user)
    answer = load_test_answer(load_test_body(load_test), str(load_test.endpoint or "the removed endpoint"))
    if answer is None:
        raise refuse("load_test", "The load test has not finished; there is nothing to answer with yet.")
    question = next(v for v in kickoff_selectors.validations(load_test.poc) if v.kind == "latency")
    question.poc = load_test.poc
    return kickoff_services.validation_update(
        validation=question, user=user, changes={"answer": answer, "evidence_url": evidence_url},
        version=question.version if version in (None, "") else version,
    )


def load_test_cancel(*, load_test, user):
    """Stop a load test: no new request starts within a quarter of a second and no later rate is run; the
    rates measured so far are kept. A test whose job has not started ends ``cancelled`` at once."""
    from apps.evaluations.models import LoadTest

    _check(load_test.poc, user)
    with audited(user), transaction.atomic():
        locked = LoadTest.objects.select_for_update().get(pk=load_test.pk)
        job = Job.objects.filter(pk=locked.job_id).only("status", "error").first() if locked.job_id else None
        ended = locked.status in (LoadTest.Status.DONE, LoadTest.Status.CANCELLED) or (
            job is not None and job.status == Job.Status.FAILED)
        if ended:
            raise refuse("load_test", "The load test has already ended.")
        locked.cancel_requested = True
        fields = ["cancel_requested", "updated_at"]
        if job is None or job.status == Job.Status.QUEUED:
            locked.status = LoadTest.Status.CANCELLED
            fields.append("status")
        locked.save(update_fields=fields)
    locked.poc = load_test.poc
    return locked


# --- Drift watch after a go ---------------------------------------------------------------------------------

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
    alert and tells the production owner (the lead when none is named), once per re-run."""
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
        bodies = harness.request_bodies(endpoint.kind, model=endpoint.model, template=endpoint.request_template,
                                        inputs=[item[1] for item in items])
        engine = harness.Engine(
            destination, endpoints.decrypt_headers(endpoint.headers_encrypted), bodies,
            harness.response_reader(endpoint.kind, endpoint.response_path),
            harness.Limits(concurrency=endpoint.max_concurrency, timeout_s=endpoint.timeout_s,
                           max_reply_bytes=settings.HARNESS_MAX_REPLY_BYTES,
                           deadline_s=settings.HARNESS_MAX_RUN_SECONDS, rate_per_s=endpoint.max_rate_per_s),
            ca_file=settings.MODEL_ENDPOINT_CA_FILE,
        )
        del bodies
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
