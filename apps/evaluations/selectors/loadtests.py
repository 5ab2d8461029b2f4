"""Load tests: the PoC's list, a test's body (status from its job until it is done), its answer to the latency
question, and the peak request rates the form suggests."""

from __future__ import annotations

from apps.core.models import Job
from apps.core.selectors import job_for
from apps.evaluations.selectors.common import _UNSET, _n


def load_tests_for(poc):
    from apps.evaluations.models import LoadTest

    return LoadTest.objects.filter(poc=poc).select_related("endpoint", "dataset").order_by("-created_at", "-id")


def load_tests_listed(poc, limit: int = 20) -> list[dict]:
    """The newest load tests as ``load_test_body`` reads them, with their jobs read in one query."""
    tests = list(load_tests_for(poc)[:limit])
    wanted = [t.job_id for t in tests if t.status not in ("done", "cancelled") and t.job_id]
    jobs = {j.pk: j for j in Job.objects.filter(pk__in=wanted)} if wanted else {}
    return [load_test_body(t, job=jobs.get(t.job_id)) | {"endpoint_name": str(t.endpoint or "—")} for t in tests]


def load_test_body(test, job=_UNSET) -> dict:
    """A load test as the API and page read it: status (from its job until it is done), per rate ``{rate, n,
    answered, achieved_rate, p50, p95, p99 ({value, ci_low, ci_high} or null), error_rate}``, the knee."""
    from apps.evaluations.models import LoadTest

    status, error = test.status, ""
    if test.status not in (LoadTest.Status.DONE, LoadTest.Status.CANCELLED) and test.job_id:
        job = job_for(test, test.job_id) if job is _UNSET else job
        if job is not None:
            status = {Job.Status.FAILED: LoadTest.Status.FAILED, Job.Status.QUEUED: LoadTest.Status.QUEUED}.get(
                job.status, LoadTest.Status.RUNNING)
            error = job.error if status == LoadTest.Status.FAILED else ""
    results = test.results or {}
    return {
        "id": test.pk, "status": status, "error": error, "cancel_requested": test.cancel_requested,
        "endpoint": test.endpoint_id, "dataset": test.dataset_id,
        "requested_rates": test.rates, "duration_s": test.duration_s, "rates": results.get("rates") or [],
        "knee_rate": test.knee_rate, "percentile": results.get("percentile"), "max_ms": results.get("max_ms"),
        "notes": results.get("notes") or [], "created_at": test.created_at.isoformat() if test.created_at else None,
    }


def load_test_answer(body: dict, endpoint_name: str) -> str | None:
    """A finished load test as a sentence answering the latency question (None before it has rates)."""
    if body["status"] != "done" or not body["rates"]:
        return None
    key = body["percentile"] if body["percentile"] in ("p50", "p95", "p99") else "p95"
    parts = []
    for row in body["rates"]:
        stored = row.get(key)
        shown = (f"{_n(stored['value'], 0)} ms ({_n(stored['ci_low'], 0)}–{_n(stored['ci_high'], 0)})"
                 if stored else "no answer")
        errors = f", {row['error_rate']:.1%} errors" if row.get("error_rate") else ""
        parts.append(f"{row['rate']:g}/s: {shown}{errors}")
    text = f"{key} latency of {endpoint_name} by request rate (95% intervals), load test #{body['id']}: "
    text += "; ".join(parts) + "."
    if body["percentile"] and body["max_ms"] is not None:
        target = f"{body['percentile']} ≤ {body['max_ms']:g} ms"
        text += (f" Target {target}: stops holding at {body['knee_rate']:g} requests per second."
                 if body["knee_rate"] is not None else f" Target {target}: holds at every rate tested.")
    return text


def peak_rate_suggestions(poc, factor: float | None = None) -> list[dict]:
    """The cost model's volumes (1×, 5×, 20× by default) as peak request rates, through the provider ``costs``
    registers: ``{"label", "volume_per_month", "rate"}`` each; empty without a cost model's volume."""
    from apps.evaluations import providers

    return providers.suggested_rates(providers.peak_volumes(poc),
                                     providers.DEFAULT_PEAK_FACTOR if factor is None else factor)
