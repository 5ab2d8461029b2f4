"""A load test's numbers, with no Django: latency percentiles with intervals per rate, and the knee.

Percentile intervals are drawn as for a run's latency (``compute.percentile_draws``: exact order
statistics of a resample, seeded). The knee is the first rate, in increasing order, at which the
latency target fails: its percentile above ``max_ms`` (point estimate, as a run's latency target is
judged), or no answered call to measure it.
"""

from __future__ import annotations

import numpy as np

from apps.evaluations import compute

PERCENTILES = (50, 95, 99)
RESAMPLES = 2000
STREAM = 8  # beside compute.STREAMS: a load test's own seeded stream


def rate_row(
    *, rate: float, latencies_ms: list[float], calls: int, errors: int, elapsed_s: float, seed: int, index: int
) -> dict:
    """One rate's row: requests made, rate achieved, p50 / p95 / p99 ``{value, ci_low, ci_high}`` of the
    answered calls (None when none answered), and the error rate."""
    ordered = np.sort(np.asarray(latencies_ms, dtype=np.float64))
    row = {
        "rate": rate,
        "n": calls,
        "answered": int(ordered.size),
        "achieved_rate": calls / elapsed_s if elapsed_s > 0 else None,
        "error_rate": errors / calls if calls else None,
    }
    for i, q in enumerate(PERCENTILES):
        if ordered.size:
            rng = np.random.default_rng([int(seed), STREAM, index, i])
            row[f"p{q}"] = compute.interval(
                float(np.percentile(ordered, q)), compute.percentile_draws(ordered, q, RESAMPLES, rng)
            )
        else:
            row[f"p{q}"] = None
    return row


def knee(rows: list[dict], *, percentile: str | None, max_ms: float | None) -> float | None:
    """The lowest rate at which ``percentile`` exceeds ``max_ms`` (or nothing answered); None when the target
    holds at every rate or there is no target. A target on a percentile the test does not measure (p90) is
    judged on the next one above it."""
    if not percentile or max_ms is None:
        return None
    key = percentile if percentile in {f"p{q}" for q in PERCENTILES} else "p95"
    for row in sorted(rows, key=lambda r: r["rate"]):
        value = row.get(key)
        if value is None or value["value"] > max_ms:
            return row["rate"]
    return None
