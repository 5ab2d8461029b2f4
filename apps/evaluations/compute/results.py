"""The results of a validated file as JSON-ready data: metrics with their intervals, segments, failure
modes, latency percentiles and throughput; and ``evaluate``, parse → validate → compute in one call."""

from __future__ import annotations

import numpy as np

from apps.evaluations.compute.classification import classification_intervals
from apps.evaluations.compute.common import CLASSIFICATION
from apps.evaluations.compute.intervals import _f, _rng, interval, mean_draws, percentile_draws, proportion_draws
from apps.evaluations.compute.outcomes import Outcomes, validate
from apps.evaluations.compute.reading import parse

PERCENTILES = (50, 90, 95, 99)


def compute(out: Outcomes, *, resamples: int = 2000, seed: int = 0) -> dict:
    """The results of a validated file, as JSON-ready data (the API's ``metrics`` … ``throughput``)."""
    result: dict = {"kind": out.kind, "n": out.n, "resamples": resamples, "seed": seed, "warnings": out.warnings}
    if out.kind == CLASSIFICATION:
        k = len(out.labels)
        cm, point, draws = classification_intervals(out.y_true, out.y_pred, k, resamples, seed)
        result["metrics"] = {
            key: interval(point[key], draws[key])
            for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1")
        }
        support = cm.sum(axis=1)
        result["per_class"] = [
            {
                "label": label,
                **{m: interval(point[m][i], draws[m][:, i]) for m in ("precision", "recall", "f1")},
                "support": int(support[i]),
            }
            for i, label in enumerate(out.labels)
        ]
        result["confusion_matrix"] = {"labels": list(out.labels), "matrix": cm.tolist()}
        correct = out.y_true == out.y_pred
    else:
        passed = out.passed
        result["metrics"] = {
            "mean_score": interval(out.score.mean(), mean_draws(out.score, resamples, _rng(seed, "mean_score"))),
            "pass_rate": None
            if passed is None
            else interval(
                passed.mean(), proportion_draws(int(passed.sum()), out.n, resamples, _rng(seed, "pass_rate"))
            ),
        }
        correct = passed
    result["segments"] = _segments(out, correct, resamples, seed)
    result["failure_modes"] = _failure_modes(out)
    result["latency"] = _latency(out, resamples, seed)
    result["throughput"] = _throughput(out)
    return result


def _segments(out: Outcomes, correct: np.ndarray | None, resamples: int, seed: int) -> list[dict]:
    if out.segment is None:
        return []
    s = len(out.segments)
    sizes = np.bincount(out.segment, minlength=s)
    rows = []
    if correct is not None:
        right = np.bincount(out.segment, weights=correct, minlength=s).astype(np.int64)
        errors = sizes - right
        total_errors = int(errors.sum())
    for i, name in enumerate(out.segments):
        n = int(sizes[i])
        metrics: dict = {}
        row = {"segment": name, "n": n, "error_share": None, "metrics": metrics}
        if out.kind == CLASSIFICATION:
            metrics["accuracy"] = interval(
                right[i] / n, proportion_draws(int(right[i]), n, resamples, _rng(seed, "segments", 2 * i))
            )
        else:
            values = out.score[out.segment == i]
            metrics["mean_score"] = interval(
                values.mean(), mean_draws(values, resamples, _rng(seed, "segments", 2 * i))
            )
            if correct is not None:
                metrics["pass_rate"] = interval(
                    right[i] / n, proportion_draws(int(right[i]), n, resamples, _rng(seed, "segments", 2 * i + 1))
                )
        if correct is not None:
            row["error_share"] = _f(errors[i] / total_errors) if total_errors else 0.0
        rows.append(row)
    return rows


def _failure_modes(out: Outcomes) -> list[dict]:
    if out.failure_mode is None or not out.failure_modes:
        return []
    counts = np.bincount(out.failure_mode[out.failure_mode >= 0], minlength=len(out.failure_modes))
    rows = [{"failure_mode": m, "count": int(c)} for m, c in zip(out.failure_modes, counts, strict=True) if c]
    return sorted(rows, key=lambda r: (-r["count"], r["failure_mode"]))


def _latency(out: Outcomes, resamples: int, seed: int) -> dict | None:
    if out.latency is None:
        return None
    ordered = np.sort(out.latency)
    result = {}
    for i, q in enumerate(PERCENTILES):
        point = np.percentile(ordered, q)
        result[f"p{q}"] = interval(point, percentile_draws(ordered, q, resamples, _rng(seed, "latency", i)))
    return result


def _throughput(out: Outcomes) -> dict | None:
    if out.timestamp is None:
        return None
    span = float(out.timestamp.max() - out.timestamp.min())
    return {"per_s": _f(out.n / span) if span > 0 else None, "span_s": span, "n": out.n}


def evaluate(data: bytes, *, filename: str = "", max_rows: int | None = None, pass_threshold=None,
             resamples: int = 2000, seed: int = 0) -> dict:
    """parse → validate → compute in one call (tests and the benchmark)."""
    table = parse(data, filename=filename, max_rows=max_rows)
    return compute(validate(table, pass_threshold=pass_threshold), resamples=resamples, seed=seed)
