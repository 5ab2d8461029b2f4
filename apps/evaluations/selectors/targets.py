"""The PoC's quality and latency targets: verdicts per run and per PoC (read for the pages in one query), and a
run's measurement written as the answer to a validation question."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.db import connection

from apps.evaluations.models import QUALITY_METRICS, Dataset, EvalRun, Targets
from apps.evaluations.selectors.common import _n

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



# --- Answers for the validation questions ----------------------------------------------------------

VERDICT_TEXT = {MET: "met", NOT_MET: "not met", NOT_MEASURED: "not measured"}



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
