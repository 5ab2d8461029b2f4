"""Live runs: a model endpoint called over a dataset's items by a job, the answers computed as an uploaded file."""

from __future__ import annotations

import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.core.jobs import job_enqueue, job_progress
from apps.core.models import Job
from apps.core.versioning import refuse
from apps.evaluations import compute
from apps.evaluations.models import Dataset, EvalRun
from apps.evaluations.services.common import _check, _number, _options, calls_engine
from apps.evaluations.services.runs import eval_run_store
from apps.pocs.models import PoC
from apps.pocs.services import check_open

HARNESS_JOB_KIND = "evaluations.harness"


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
    engine = calls_engine(endpoint, destination, [item[1] for item in items], concurrency=run.concurrency)
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
