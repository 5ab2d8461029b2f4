"""Comparing runs, with no Django in sight: paired differences over shared items, and stored intervals re-drawn.

Two model versions evaluated on the same dataset are compared item by item: only the ids present
in both files count (the others are left out and counted), and one bootstrap resamples those
items once for both runs, so each draw of the difference is ``metric(A) − metric(B)`` on the same
resampled items. Drawing n items with replacement is the same in distribution as a multinomial
draw over the distinct kinds of item (for classification: the combination of true label and
the two predictions), which is how the draws are made: vectorised, in batches, from a generator
seeded with ``(seed, "paired")``.

``metric_draws`` re-draws the bootstrap sample a run's stored interval came from (the same
seeded stream as ``compute``), so two runs on different data (a curated and a production
sample) can be compared by the difference of independent draws.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from apps.evaluations import compute
from apps.evaluations.compute import CLASSIFICATION, Outcomes

MATRIX_METRICS = ("accuracy", "macro_precision", "macro_recall", "macro_f1")
MEAN_METRICS = ("pass_rate", "mean_score")


@dataclass
class Items:
    """A run's items: their ids (as text) and the validated outcomes in the same order."""

    ids: np.ndarray
    outcomes: Outcomes


def items_from_file(data: bytes, *, filename: str = "", pass_threshold: float | None = None) -> Items:
    """Read a results file into its item ids and outcomes (the same parsing and checks as a run)."""
    table = compute.parse(data, filename=filename)
    ids = compute._text(table, "id").to_numpy(zero_copy_only=False).astype(str)
    outcomes = compute.validate(table, pass_threshold=pass_threshold)
    return Items(ids=ids, outcomes=outcomes)


def available(outcomes: Outcomes, metric: str) -> bool:
    if metric in MATRIX_METRICS:
        return outcomes.kind == CLASSIFICATION
    if metric == "pass_rate":
        return outcomes.passed is not None
    return metric == "mean_score" and outcomes.kind == compute.GRADED


def _compact(true: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, int]:
    """Cell codes (true·k + predicted) over the labels present among these items, and k."""
    labels, inverse = np.unique(np.concatenate([true, pred]), return_inverse=True)
    k = labels.size
    return inverse[: true.size] * k + inverse[true.size :], k


def _per_item(outcomes: Outcomes, metric: str) -> np.ndarray:
    if metric == "pass_rate":
        return outcomes.passed.astype(np.float64)
    return outcomes.score.astype(np.float64)


def paired_difference(a: Items, b: Items, metric: str, *, resamples: int = 2000, seed: int = 0) -> dict:
    """``metric(A) − metric(B)`` on the items both runs share, with its 95% paired bootstrap interval.

    Returns ``{"value", "ci_low", "ci_high", "paired_n", "only_in_a", "only_in_b"}``; value and
    interval are None when the runs share no item or the metric is not available for both.
    """
    common, ia, ib = np.intersect1d(a.ids, b.ids, assume_unique=True, return_indices=True)
    n = int(common.size)
    out = {"value": None, "ci_low": None, "ci_high": None, "paired_n": n,
           "only_in_a": int(a.ids.size - n), "only_in_b": int(b.ids.size - n)}
    if n == 0 or not (available(a.outcomes, metric) and available(b.outcomes, metric)):
        return out
    rng = np.random.default_rng([int(seed), compute.STREAMS["paired"]])
    if metric in MATRIX_METRICS:
        cells_a, ka = _compact(a.outcomes.y_true[ia], a.outcomes.y_pred[ia])
        cells_b, kb = _compact(b.outcomes.y_true[ib], b.outcomes.y_pred[ib])
        kinds, counts = np.unique(cells_a * (kb * kb) + cells_b, return_counts=True)
        onehot_a = np.zeros((kinds.size, ka * ka))
        onehot_a[np.arange(kinds.size), kinds // (kb * kb)] = 1
        onehot_b = np.zeros((kinds.size, kb * kb))
        onehot_b[np.arange(kinds.size), kinds % (kb * kb)] = 1
        cm_a = np.bincount(cells_a, minlength=ka * ka).reshape(ka, ka)
        cm_b = np.bincount(cells_b, minlength=kb * kb).reshape(kb, kb)
        point = compute.matrix_metrics(cm_a)[metric] - compute.matrix_metrics(cm_b)[metric]
        p = counts / n
        draws = []
        for size in compute._batches(resamples, kinds.size + ka * ka + kb * kb):
            weights = rng.multinomial(n, p, size=size).astype(np.float64)
            metric_a = compute.matrix_metrics((weights @ onehot_a).reshape(size, ka, ka))[metric]
            metric_b = compute.matrix_metrics((weights @ onehot_b).reshape(size, kb, kb))[metric]
            draws.append(metric_a - metric_b)
        draws = np.concatenate(draws)
    else:  # a mean: the paired difference is the mean of the per-item differences
        diff = _per_item(a.outcomes, metric)[ia] - _per_item(b.outcomes, metric)[ib]
        point = diff.mean()
        draws = compute.mean_draws(diff, resamples, rng)
    out.update(compute.interval(point, draws))
    return out


def metric_draws(results: dict, metric: str, load_scores: Callable[[], np.ndarray] | None = None) -> np.ndarray | None:
    """The bootstrap draws a run's stored interval of ``metric`` was read from (same seed, same stream).

    Matrix metrics come from the stored confusion matrix, the pass rate from its count; the mean
    score needs the scores again (``load_scores``). None when the run has no such metric.
    """
    resamples, seed = int(results["resamples"]), int(results["seed"])
    stored = (results.get("metrics") or {}).get(metric)
    if not stored or stored.get("value") is None:
        return None
    if metric in MATRIX_METRICS:
        cm = np.asarray((results.get("confusion_matrix") or {}).get("matrix") or [], dtype=np.int64)
        if cm.size == 0:
            return None
        rng = compute._rng(seed, "overall")
        return np.concatenate([compute.matrix_metrics(batch)[metric]
                               for batch in compute.bootstrap_matrices(cm, resamples, rng)])
    n = int(results["n"])
    if metric == "pass_rate":
        successes = int(round(stored["value"] * n))
        return compute.proportion_draws(successes, n, resamples, compute._rng(seed, "pass_rate"))
    if metric == "mean_score" and load_scores is not None:
        return compute.mean_draws(load_scores(), resamples, compute._rng(seed, "mean_score"))
    return None


def difference_of_independent(draws_a: np.ndarray, draws_b: np.ndarray, value: float) -> dict:
    """``A − B`` for two independent bootstrap samples (different data): draws paired by position."""
    size = min(draws_a.size, draws_b.size)
    return compute.interval(value, draws_a[:size] - draws_b[:size])

