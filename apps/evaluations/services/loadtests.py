"""Load tests: a model endpoint called at rising request rates, and the latency per rate as a validation answer."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.core.jobs import job_enqueue, job_progress
from apps.core.models import Job
from apps.core.versioning import refuse
from apps.evaluations.models import Dataset
from apps.evaluations.services.common import _check, _number, calls_engine
from apps.pocs.models import PoC
from apps.pocs.services import check_open

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

    from apps.evaluations import endpoints, loadtest
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
    rows, notes = [], []
    cancelled = False
    for index, wanted in enumerate(test.rates):
        rate = min(wanted, endpoint.max_rate_per_s) if endpoint.max_rate_per_s else wanted
        if rate < wanted:
            notes.append(f"{wanted:g} per second was capped at the endpoint's {rate:g} (max_rate_per_s).")
        n = math.ceil(wanted * test.duration_s)
        engine = calls_engine(endpoint, destination, [inputs[i % len(inputs)] for i in range(n)],
                              rate_per_s=rate, deadline_s=test.duration_s + endpoint.timeout_s, headers=headers)
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
