"""What evaluations asks of apps above it, which register the answer from their ``AppConfig.ready()``.

``evaluations`` sits below ``costs`` and ``decisions`` and never imports them; they offer:

- ``register_peak_volumes(fn)`` (``costs``): ``fn(poc) -> [{"label": "1×", "volume_per_month": 30000.0}, …]``
  or None, the cost model's volume scenarios, which the load-test form turns into peak request rates;
- ``register_decision_outcome(fn)`` (``decisions``): ``fn(poc) -> "go" | "no_go" | None``, the signed outcome,
  which decides whether a decided PoC accepts drift-watch settings and re-runs.

Registering again replaces the function; with none registered the answer is None.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

SECONDS_PER_MONTH = 30 * 86_400
DEFAULT_PEAK_FACTOR = 3.0

_PROVIDERS: dict[str, Callable[[Any], Any]] = {}


def register_peak_volumes(fn: Callable[[Any], list[dict] | None]) -> None:
    _PROVIDERS["peak_volumes"] = fn


def register_decision_outcome(fn: Callable[[Any], str | None]) -> None:
    _PROVIDERS["decision_outcome"] = fn


def peak_volumes(poc) -> list[dict] | None:
    fn = _PROVIDERS.get("peak_volumes")
    return fn(poc) if fn is not None else None


def decision_outcome(poc) -> str | None:
    fn = _PROVIDERS.get("decision_outcome")
    return fn(poc) if fn is not None else None


def peak_rate(volume_per_month: float, factor: float = DEFAULT_PEAK_FACTOR) -> float:
    """Requests per second at peak: the month's volume spread over 30 days of 86,400 s, times the
    peak-to-average ``factor``."""
    return float(volume_per_month) / SECONDS_PER_MONTH * float(factor)


def suggested_rates(volumes: list[dict] | None, factor: float = DEFAULT_PEAK_FACTOR) -> list[dict]:
    """Each volume scenario as ``{"label", "volume_per_month", "rate"}`` (the rate rounded up to 3 significant
    digits, never below the 0.01 per second a load test accepts)."""
    rows = []
    for volume in volumes or []:
        value = volume.get("volume_per_month")
        if value is None or not math.isfinite(float(value)) or float(value) <= 0:
            continue
        rate = peak_rate(float(value), factor)
        digits = 2 - int(math.floor(math.log10(rate))) if rate > 0 else 2
        shown = max(0.01, math.ceil(rate * 10**digits) / 10**digits)
        rows.append({"label": volume.get("label", ""), "volume_per_month": float(value), "rate": shown})
    return rows
