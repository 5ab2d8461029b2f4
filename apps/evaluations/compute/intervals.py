"""The bootstrap draws behind every interval.

Point metrics are those of scikit-learn (``labels = sorted(set(label) | set(prediction))``,
``zero_division=0``), computed from the confusion matrix. Intervals are 95% percentile bootstrap
intervals, drawn so that each equals in distribution what resampling the rows would give:

- a statistic of the confusion matrix (accuracy, macro and per-class precision / recall / F1):
  multinomial draws over the matrix's cells;
- a segment's accuracy and the pass rate: binomial draws of the number of correct (passed) rows;
- the mean score: multinomial draws over the distinct scores (resampled row indices for small
  files; for more than 4,096 distinct scores in a large file, over 4,096 quantile bins, each
  standing for its rows' mean, which changes an interval by far less than its width);
- a latency percentile: the two order statistics of a resample it interpolates, drawn exactly
  from the order statistics of uniforms (Beta draws) and read off the sorted latencies.

Every draw comes from a generator seeded with ``(seed, stream)``, one stream per statistic, so a
recompute with the same seed gives the same numbers, byte for byte.
"""

from __future__ import annotations

import math

import numpy as np

CONFIDENCE = 0.95
MAX_BINS = 4096
INDEX_BUDGET = 20_000_000  # resampled row indices drawn at once for the mean score
BATCH_CELLS = 4_000_000  # counts held at once while drawing
STREAMS = {"overall": 1, "per_class": 2, "mean_score": 3, "pass_rate": 4, "segments": 5, "latency": 6, "paired": 7}


def _rng(seed: int, stream: str, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), STREAMS[stream], index])


def interval(value: float, draws: np.ndarray) -> dict:
    """The value with the 95% percentile interval of its bootstrap ``draws`` (non-finite draws left out)."""
    draws = draws[np.isfinite(draws)]
    alpha = (1 - CONFIDENCE) / 2
    if draws.size == 0:
        return {"value": _f(value), "ci_low": None, "ci_high": None}
    low, high = np.percentile(draws, [100 * alpha, 100 * (1 - alpha)])
    return {"value": _f(value), "ci_low": _f(low), "ci_high": _f(high)}


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _batches(total: int, width: int):
    size = max(1, BATCH_CELLS // max(1, width))
    for start in range(0, total, size):
        yield min(size, total - start)


def mean_draws(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap means of ``values`` (see the module's notes)."""
    n = values.size
    if n * resamples <= INDEX_BUDGET:
        out = np.empty(resamples)
        step = max(1, BATCH_CELLS // n)
        for start in range(0, resamples, step):
            size = min(step, resamples - start)
            out[start : start + size] = values[rng.integers(0, n, size=(size, n))].mean(axis=1)
        return out
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size > MAX_BINS:
        order = np.sort(values)
        edges = np.linspace(0, n, MAX_BINS + 1).round().astype(np.int64)
        sums = np.add.reduceat(order, edges[:-1])
        counts = np.diff(edges)
        distinct = sums / counts
    p = counts / n
    out = []
    for size in _batches(resamples, distinct.size):
        out.append(rng.multinomial(n, p, size=size) @ distinct / n)
    return np.concatenate(out)


def proportion_draws(successes: int, n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    if n == 0:
        return np.full(resamples, np.nan)
    return rng.binomial(n, successes / n, size=resamples) / n


def percentile_draws(sorted_values: np.ndarray, q: float, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap values of ``np.percentile(x, q)`` (linear interpolation) for x = ``sorted_values``.

    The percentile of a resample interpolates its order statistics k and k+1 (k = ⌊(n−1)q/100⌋).
    A resample is n row indices drawn uniformly, i.e. ⌊n·U⌋ for n uniforms U; its k-th smallest
    index is ⌊n·U₍ₖ₎⌋, and U₍ₖ₎ ~ Beta(k+1, n−k), the next one U₍ₖ₊₁₎ = U₍ₖ₎ + (1−U₍ₖ₎)·Beta(1, n−k−1).
    So each resample's percentile is drawn exactly, in O(1), without drawing its n rows.
    """
    n = sorted_values.size
    h = (n - 1) * q / 100
    k = int(math.floor(h))
    frac = h - k
    u = rng.beta(k + 1, n - k, size=resamples)
    first = np.minimum((u * n).astype(np.int64), n - 1)
    if frac == 0 or k + 1 >= n:
        return sorted_values[first].astype(np.float64)
    u_next = u + (1 - u) * rng.beta(1, n - k - 1, size=resamples) if n - k - 1 > 0 else u
    second = np.minimum((u_next * n).astype(np.int64), n - 1)
    return sorted_values[first] + frac * (sorted_values[second] - sorted_values[first])
