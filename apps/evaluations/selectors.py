"""Reads of the evaluations app, for its pages and API and for the apps above it.

``costs`` and ``decisions`` read measured quality through ``measured_quality`` only:

    measured_quality(poc, model_version_id=None) -> {"value": float, "metric": "accuracy" | "pass_rate",
                                                    "run": run_id, "model_version": id} | None

It reads the PoC's standard dataset when that is a ``production`` sample and, among the runs on
it whose computation has succeeded (results stored; optionally of one model version), the one
with the highest value (the newest on a tie); None when there is no such dataset or run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet

from apps.core.models import Job
from apps.core.selectors import job_for
from apps.core.versioning import refuse
from apps.evaluations import compute, paired
from apps.evaluations.models import QUALITY_METRICS, Dataset, EvalRun, ModelVersion, Targets

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


_UNSET = object()


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


# --- Targets ---------------------------------------------------------------------------------------

NOT_MEASURED, MET, NOT_MET = "not_measured", "met", "not_met"
HEADLINE = {"classification": "accuracy", "graded": "pass_rate"}


def targets_for(poc) -> Targets:
    """The PoC's targets row, or an unsaved empty one (version 1) when none was set yet."""
    row = Targets.objects.filter(poc_id=poc.pk).first()
    if row is None:
        row = Targets(poc_id=poc.pk)
    row.poc = poc
    return row


def targets_body(targets: Targets | None) -> dict:
    """The API's ``targets/`` body: ``quality`` and ``latency`` (each null when not set) and ``version``."""
    if targets is None:
        return {"quality": None, "latency": None, "version": 1}
    return {"quality": targets.quality, "latency": targets.latency, "version": targets.version}


def judge_quality(targets: Targets | None, metrics: dict | None) -> str | None:
    """met / not_met / not_measured for the quality target (None when no quality target is set).

    Met when the metric's interval lower bound (basis ``ci_low``, the default) or its point
    estimate (basis ``value``) is at least the threshold.
    """
    if targets is None or not targets.quality_metric:
        return None
    stored = (metrics or {}).get(targets.quality_metric) or {}
    value = stored.get(targets.quality_basis or Targets.Basis.CI_LOW)
    if value is None:
        return NOT_MEASURED
    return MET if value >= targets.quality_threshold else NOT_MET


def judge_latency(targets: Targets | None, latency: dict | None, throughput: dict | None) -> str | None:
    """met / not_met / not_measured for the latency target (None when not set).

    Met when the percentile's point estimate is at most the maximum and, when a minimum throughput
    is set, the measured throughput reaches it.
    """
    if targets is None or not targets.latency_percentile:
        return None
    value = ((latency or {}).get(targets.latency_percentile) or {}).get("value")
    if value is None:
        return NOT_MEASURED
    met = value <= targets.latency_max_ms
    if targets.min_throughput_per_s is not None:
        per_s = (throughput or {}).get("per_s")
        if per_s is None:
            return NOT_MEASURED
        met = met and per_s >= targets.min_throughput_per_s
    return MET if met else NOT_MET


def run_targets(targets: Targets | None, results: dict | None) -> dict:
    results = results or {}
    return {
        "quality": judge_quality(targets, results.get("metrics")),
        "latency": judge_latency(targets, results.get("latency"), results.get("throughput")),
    }


def _overall(verdicts: list[str | None]) -> str | None:
    """Across runs: met if any run meets it, else not met if any was measured, else not measured."""
    if not verdicts or verdicts[0] is None:
        return verdicts[0] if verdicts else None
    if MET in verdicts:
        return MET
    return NOT_MET if NOT_MET in verdicts else NOT_MEASURED


# --- What the PoC's pages and its stall risk read: one query ---------------------------------------

MEASUREMENTS_SQL = """
SELECT t.id, t.quality_metric, t.quality_threshold, t.quality_basis, t.latency_percentile, t.latency_max_ms,
       t.min_throughput_per_s, t.version,
       r.id, r.model_version_id, d.kind, r.results -> 'metrics', r.results -> 'latency', r.results -> 'throughput'
FROM (SELECT 1) AS one
LEFT JOIN evaluations_targets t ON t.poc_id = %s
LEFT JOIN evaluations_evalrun r ON r.poc_id = %s AND r.computed_at IS NOT NULL
LEFT JOIN evaluations_dataset d ON d.id = r.dataset_id
ORDER BY r.computed_at DESC, r.id DESC
"""


@dataclass
class Measurements:
    """The PoC's targets and the headline numbers of each computed run, newest first."""

    targets: Targets | None
    runs: list[dict]

    def newest(self, kind: str) -> dict[int, dict]:
        """model version id → its newest computed run on a dataset of ``kind``."""
        found: dict[int, dict] = {}
        for run in self.runs:
            if run["dataset_kind"] == kind:
                found.setdefault(run["model_version"], run)
        return found


def _json(value):
    return json.loads(value) if isinstance(value, str | bytes) else value


def measurements(poc) -> Measurements:
    """Targets and computed runs in one query, kept on ``poc`` for the rest of the request."""
    cached = getattr(poc, "_evaluation_measurements", None)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute(MEASUREMENTS_SQL, [poc.pk, poc.pk])
        rows = cursor.fetchall()
    targets, runs = None, []
    for row in rows:
        if targets is None and row[0] is not None:
            targets = Targets(id=row[0], poc_id=poc.pk, quality_metric=row[1], quality_threshold=row[2],
                              quality_basis=row[3], latency_percentile=row[4], latency_max_ms=row[5],
                              min_throughput_per_s=row[6], version=row[7])
        if row[8] is not None:
            runs.append({"id": row[8], "model_version": row[9], "dataset_kind": row[10], "metrics": _json(row[11]),
                         "latency": _json(row[12]), "throughput": _json(row[13])})
    poc._evaluation_measurements = found = Measurements(targets, runs)
    return found


def poc_target_status(poc) -> dict:
    """The PoC against its targets: ``quality`` over the newest production-sample run of each model
    version, ``latency`` over the newest run of each model version on any dataset; each met (by
    at least one), not_met, not_measured, or None when that target is not set."""
    found = measurements(poc)
    production = list(found.newest(Dataset.Kind.PRODUCTION).values())
    latest: dict[int, dict] = {}
    for run in found.runs:
        latest.setdefault(run["model_version"], run)
    quality = [judge_quality(found.targets, r["metrics"]) for r in production]
    latency = [judge_latency(found.targets, r["latency"], r["throughput"]) for r in latest.values()]
    return {
        "quality": _overall(quality) if quality else judge_quality(found.targets, None),
        "latency": _overall(latency) if latency else judge_latency(found.targets, None, None),
        "targets": found.targets,
    }


def beyond_intervals(lower: dict | None, higher: dict | None) -> bool:
    """True when ``lower``'s whole interval lies below ``higher``'s (lower beyond the intervals)."""
    if not lower or not higher or lower.get("ci_high") is None or higher.get("ci_low") is None:
        return False
    return lower["ci_high"] < higher["ci_low"]


# --- Comparisons: the leaderboard and the curated-vs-production gap --------------------------------

COMPARE_RESAMPLES = 2000
COMPARE_SEED = 0


def metric_choices() -> list[tuple[str, str]]:
    return list(QUALITY_METRICS.items())


def _check_metric(metric: str | None) -> str | None:
    if metric in (None, ""):
        return None
    if metric not in QUALITY_METRICS:
        raise refuse("metric", f"Choose one of: {', '.join(QUALITY_METRICS)}.")
    return metric


def _run_items(run: EvalRun) -> paired.Items:
    """The run's items read again from its kept file (checked against its SHA-256)."""
    with run.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != run.file_sha256:
        raise compute.InputRefused("The stored file does not match its SHA-256.")
    return paired.items_from_file(data, filename=run.file_name, pass_threshold=run.pass_threshold)


run_items = _run_items  # the drift watch reads its baseline's items the same way


def _interval(stored: dict | None) -> dict:
    stored = stored or {}
    return {"value": stored.get("value"), "ci_low": stored.get("ci_low"), "ci_high": stored.get("ci_high")}


def _newest_per_model(runs) -> dict[int, EvalRun]:
    found: dict[int, EvalRun] = {}
    for run in runs:
        found.setdefault(run.model_version_id, run)
    return found


def _default_metric(poc, runs, targets=_UNSET) -> str:
    if targets is _UNSET:
        targets = Targets.objects.filter(poc_id=poc.pk).only("quality_metric").first()
    if targets is not None and targets.quality_metric:
        return targets.quality_metric
    kind = next((run.kind for run in runs if run.kind), "classification")
    return HEADLINE.get(kind, "accuracy")


def leaderboard(poc, *, metric: str | None = None, dataset_id=None, model_version_ids=None, targets=_UNSET) -> dict:
    """Model versions on one dataset (the standard one unless ``dataset_id``), best first.

    Each model version's newest computed run gives its value and interval. Its difference to the
    best is paired: over the item ids both files share (the others left out and counted), one
    bootstrap for both (``paired.paired_difference``). ``metric`` defaults to the quality
    target's, else the runs' headline metric.
    """
    metric = _check_metric(metric)
    datasets = Dataset.objects.filter(poc_id=poc.pk)
    if dataset_id not in (None, ""):
        try:
            dataset = datasets.filter(pk=int(dataset_id)).first()
        except (TypeError, ValueError):
            raise refuse("dataset", "Choose one of this PoC's datasets.") from None
        if dataset is None:
            raise refuse("dataset", "Choose one of this PoC's datasets.")
    else:
        dataset = datasets.filter(is_standard=True).first()
    body = {"dataset": dataset.pk if dataset else None, "dataset_name": dataset.name if dataset else None,
            "metric": metric, "resamples": COMPARE_RESAMPLES, "seed": COMPARE_SEED, "rows": [], "not_ranked": []}
    if dataset is None:
        return body
    runs = (EvalRun.objects.filter(poc_id=poc.pk, dataset=dataset, computed_at__isnull=False)
            .select_related("model_version").order_by("-computed_at", "-id"))
    if model_version_ids:
        runs = runs.filter(model_version_id__in=[int(i) for i in model_version_ids])
    newest = list(_newest_per_model(runs).values())
    metric = body["metric"] = metric or _default_metric(poc, newest, targets)
    ranked = []
    for run in newest:
        stored = ((run.results or {}).get("metrics") or {}).get(metric)
        if stored and stored.get("value") is not None:
            ranked.append((run, _interval(stored)))
        else:
            body["not_ranked"].append({"model_version": run.model_version_id, "run": run.pk,
                                       "why": f"{QUALITY_METRICS[metric]} is not measured by this run."})
    ranked.sort(key=lambda pair: -pair[1]["value"])  # stable: the newest first among equals
    if not ranked:
        return body
    best_run = ranked[0][0]
    items: dict[int, paired.Items | None] = {}

    def items_of(run):
        if run.pk not in items:
            try:
                items[run.pk] = _run_items(run)
            except (OSError, compute.InputRefused):
                items[run.pk] = None
        return items[run.pk]

    for run, interval in ranked:
        row = {"model_version": run.model_version_id, "model_version_name": str(run.model_version), "run": run.pk,
               "n": run.n, **interval, "best": run.pk == best_run.pk}
        if run.pk == best_run.pk:
            row.update(diff_to_best={"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}, paired_n=run.n,
                       only_in_run=0, only_in_best=0)
        else:
            a, b = items_of(run), items_of(best_run)
            if a is None or b is None:
                row.update(diff_to_best={"value": None, "ci_low": None, "ci_high": None}, paired_n=0,
                           only_in_run=None, only_in_best=None)
            else:
                diff = paired.paired_difference(a, b, metric, resamples=COMPARE_RESAMPLES, seed=COMPARE_SEED)
                row.update(diff_to_best={k: diff[k] for k in ("value", "ci_low", "ci_high")},
                           paired_n=diff["paired_n"], only_in_run=diff["only_in_a"], only_in_best=diff["only_in_b"])
        body["rows"].append(row)
    return body


def quality_gap(poc, *, metric: str | None = None, targets=_UNSET, runs: list[EvalRun] | None = None) -> dict:
    """Per model version evaluated on both a curated and a production sample (the newest run of each
    kind): the two values with intervals, the difference production − curated with its interval
    (independent bootstrap draws), and ``warning`` when the production interval lies wholly below the
    curated one ("lower beyond the intervals")."""
    metric = _check_metric(metric)
    if runs is None:
        runs = EvalRun.objects.filter(poc_id=poc.pk).select_related("dataset", "model_version")
    runs = sorted((r for r in runs if r.computed_at is not None), key=lambda r: (r.computed_at, r.pk), reverse=True)
    curated = _newest_per_model(r for r in runs if r.dataset.kind == Dataset.Kind.CURATED)
    production = _newest_per_model(r for r in runs if r.dataset.kind == Dataset.Kind.PRODUCTION)
    chosen = metric or _default_metric(poc, runs, targets)
    rows = []
    for model_version_id, prod in production.items():
        cur = curated.get(model_version_id)
        if cur is None:
            continue
        metric_of_row = chosen
        c = ((cur.results or {}).get("metrics") or {}).get(metric_of_row)
        p = ((prod.results or {}).get("metrics") or {}).get(metric_of_row)
        if not metric and not (c and p):  # no metric asked for: fall back to the runs' own headline
            metric_of_row = HEADLINE.get(prod.kind, "accuracy")
            c = ((cur.results or {}).get("metrics") or {}).get(metric_of_row)
            p = ((prod.results or {}).get("metrics") or {}).get(metric_of_row)
        row = {"model_version": model_version_id, "model_version_name": str(prod.model_version),
               "metric": metric_of_row,
               "curated": {"run": cur.pk, "dataset": cur.dataset_id, "dataset_name": cur.dataset.name, **_interval(c)},
               "production": {"run": prod.pk, "dataset": prod.dataset_id, "dataset_name": prod.dataset.name,
                              **_interval(p)},
               "difference": {"value": None, "ci_low": None, "ci_high": None}, "warning": False}
        if c and p and c.get("value") is not None and p.get("value") is not None:
            draws = [paired.metric_draws(r.results, metric_of_row, lambda r=r: _run_items(r).outcomes.score)
                     for r in (prod, cur)]
            value = p["value"] - c["value"]
            if draws[0] is not None and draws[1] is not None:
                row["difference"] = paired.difference_of_independent(draws[0], draws[1], value)
            else:
                row["difference"]["value"] = value
            row["warning"] = beyond_intervals(p, c)
        rows.append(row)
    rows.sort(key=lambda r: r["model_version_name"])
    return {"metric": metric or chosen, "rows": rows, "warning": any(r["warning"] for r in rows)}


# --- Answers for the validation questions ----------------------------------------------------------

VERDICT_TEXT = {MET: "met", NOT_MET: "not met", NOT_MEASURED: "not measured"}


def _n(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def run_answer(run: EvalRun, kind: str, targets: Targets | None) -> str | None:
    """A run's measurement as a sentence answering the quality or latency question (None when not measured)."""
    results = run.results or {}
    where = (f"{run.model_version} on {run.dataset} ({run.dataset.get_kind_display().lower()}, "
             f"n = {run.n:,}), evaluation run #{run.pk}")
    if kind == "quality":
        metrics = results.get("metrics") or {}
        metric = targets.quality_metric if targets and targets.quality_metric in metrics else HEADLINE.get(run.kind)
        stored = metrics.get(metric) if metric else None
        if not stored or stored.get("value") is None:
            return None
        text = (f"{QUALITY_METRICS[metric]} {_n(stored['value'])} (95% interval {_n(stored['ci_low'])}–"
                f"{_n(stored['ci_high'])}) for {where}.")
        verdict = judge_quality(targets, metrics)
        if verdict is not None and metric == targets.quality_metric:
            basis = targets.get_quality_basis_display().lower()
            text += (f" Target: {QUALITY_METRICS[metric]} ≥ {targets.quality_threshold:g}, judged on {basis}: "
                     f"{VERDICT_TEXT[verdict]}.")
        return text
    latency = results.get("latency") or {}
    if not latency:
        return None
    percentile = targets.latency_percentile if targets and targets.latency_percentile in latency else "p95"
    stored = latency[percentile]
    text = (f"{percentile} latency {_n(stored['value'], 0)} ms (95% interval {_n(stored['ci_low'], 0)}–"
            f"{_n(stored['ci_high'], 0)} ms)")
    per_s = (results.get("throughput") or {}).get("per_s")
    if per_s is not None:
        text += f", throughput {per_s:.1f} per second"
    text += f", for {where}."
    verdict = judge_latency(targets, latency, results.get("throughput"))
    if verdict is not None:
        floor = (f", at least {targets.min_throughput_per_s:g} per second"
                 if targets.min_throughput_per_s is not None else "")
        text += (f" Target: {targets.latency_percentile} ≤ {targets.latency_max_ms:g} ms{floor}: "
                 f"{VERDICT_TEXT[verdict]}.")
    return text


def targets_badge_context(poc, page_context) -> dict:
    """The header's targets badge: quality and latency met / not met / not measured (hidden when none is set)."""
    status = poc_target_status(poc)
    return {"poc": poc, "quality": status["quality"], "latency": status["latency"],
            "quality_text": VERDICT_TEXT.get(status["quality"]), "latency_text": VERDICT_TEXT.get(status["latency"])}


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


# --- Drift watch ----------------------------------------------------------------------------------------------


def monitoring_for(poc):
    from apps.evaluations.models import Monitoring

    return Monitoring.objects.filter(poc_id=poc.pk).first()


def last_monitoring_run(poc):
    from apps.evaluations.models import MonitoringRun

    return MonitoringRun.objects.filter(poc_id=poc.pk).order_by("-created_at", "-id").first()


def last_finished_monitoring_run(poc, last):
    """The newest finished re-run (``last`` when it is; no query when there is no re-run at all)."""
    from apps.evaluations.models import MonitoringRun

    if last is None or last.status == MonitoringRun.Status.DONE:
        return last
    return (MonitoringRun.objects.filter(poc_id=poc.pk, status=MonitoringRun.Status.DONE)
            .order_by("-created_at", "-id").first())


def monitoring_body(poc, row=_UNSET, last=_UNSET, done=_UNSET) -> dict:
    """The drift watch as the API reads it: ``schedule``, ``endpoint``, ``baseline_run``, ``last_run`` (the newest
    re-run: id, status, when, error; null before the first) and ``drift`` (the newest finished re-run minus the
    baseline on the same items, with its 95% interval, and ``alert``: a drop beyond the interval)."""
    row = monitoring_for(poc) if row is _UNSET else row
    last = last_monitoring_run(poc) if last is _UNSET else last
    done = last_finished_monitoring_run(poc, last) if done is _UNSET else done
    return {
        "schedule": row.schedule if row else "off",
        "endpoint": row.endpoint_id if row else None,
        "baseline_run": row.baseline_run_id if row else None,
        "last_run": None if last is None else {
            "id": last.pk, "status": last.status, "started_at": last.created_at.isoformat(),
            "finished_at": last.finished_at.isoformat() if last.finished_at else None, "error": last.error,
        },
        "drift": {
            "value": done.value if done else None, "ci_low": done.ci_low if done else None,
            "ci_high": done.ci_high if done else None, "alert": bool(done and done.alert),
        },
    }


def monitoring_card(poc, user) -> dict:
    """The Evaluations tab's drift-watch card: the body, the metric and item count of the newest finished
    re-run, and whether the user may change the watch (``edit_ops_items`` on a go PoC)."""
    from apps.evaluations.providers import decision_outcome
    from apps.pocs import access
    from apps.pocs.models import Stage

    row = monitoring_for(poc)
    last = last_monitoring_run(poc)
    done = last_finished_monitoring_run(poc, last)
    body = monitoring_body(poc, row, last, done)
    go = poc.stage == Stage.DECIDED and decision_outcome(poc) == "go"
    return {"monitoring": body, "monitoring_row": row, "monitoring_done": done, "monitoring_go": go,
            "can_monitor": go and access.allowed(poc, user, access.EDIT_OPS_ITEMS)}


def peak_rate_suggestions(poc, factor: float | None = None) -> list[dict]:
    """The cost model's volumes (1×, 5×, 20× by default) as peak request rates, through the provider ``costs``
    registers: ``{"label", "volume_per_month", "rate"}`` each; empty without a cost model's volume."""
    from apps.evaluations import providers

    return providers.suggested_rates(providers.peak_volumes(poc),
                                     providers.DEFAULT_PEAK_FACTOR if factor is None else factor)
