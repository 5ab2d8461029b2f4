"""The production cost model's arithmetic: numbers in, numbers out, no Django.

The likely case is computed in ``Decimal`` so anyone can check it to the cent (README, "Costs"):
at scale k the monthly volume is k × ``volume_per_month``; a month is 30 days; a line costs

- ``fixed``: likely;
- ``per_unit``: likely × units_per_request × volume;
- ``stepped``: ceil(volume ÷ (30 × 86,400) × peak_to_average ÷ capacity_per_node) × likely
  (the nodes needed at peak, one node at least for any volume);
- ``one_off``: likely ÷ amortisation_months;

value = value_per_unit × volume × quality (or the fixed monthly benefit), net = value − cost,
ROI = net ÷ cost. The sensitivity (tornado) moves one line from low to high with the others at
likely. The Monte Carlo draws every amount from its triangular (low, likely, high) distribution
by Latin hypercube sampling (one stratified uniform per draw and line, strata shuffled
independently per line), seeded, vectorised with NumPy; its results are rounded back to decimals.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, localcontext

import numpy as np

SECONDS_PER_MONTH = 30 * 86_400
MAX_VOLUME = Decimal(10) ** 12  # break-even and crossover are searched up to this monthly volume
MAX_STEPS = 100_000  # intervals of a stepped cost examined by one search before giving up
HISTOGRAM_BINS = 24
CENT = Decimal("0.01")
PER_UNIT = Decimal("0.000001")
RATIO = Decimal("0.0001")

HOSTED, OWN_HARDWARE = "hosted", "own_hardware"
FIXED, PER_UNIT_COST, STEPPED, ONE_OFF = "fixed", "per_unit", "stepped", "one_off"


@dataclass(frozen=True)
class Line:
    """One cost line. Amounts are per month, except a one-off's (spread over ``amortisation_months``)."""

    name: str
    category: str
    behaviour: str
    low: Decimal
    likely: Decimal
    high: Decimal
    scenario: str = HOSTED
    units_per_request: Decimal | None = None
    capacity_per_node: Decimal | None = None
    peak_to_average: Decimal | None = None
    amortisation_months: int | None = None
    key: str = ""  # how the results name the line (its id)


@dataclass(frozen=True)
class Inputs:
    volume_per_month: Decimal
    lines: Sequence[Line]
    scales: Sequence[Decimal] = (Decimal(1), Decimal(5), Decimal(20))
    value_per_unit: Decimal | None = None
    quality: Decimal | None = None  # a fraction 0–1 applied to value_per_unit
    monthly_benefit: Decimal | None = None
    max_cost_per_unit: Decimal | None = None
    max_monthly_cost: Decimal | None = None
    draws: int = 10_000
    seed: int = 0
    scenarios: Sequence[str] = field(default=(HOSTED, OWN_HARDWARE))


def money(value: Decimal | None, step: Decimal = CENT) -> str | None:
    """A decimal string rounded half up to ``step`` (cents by default); None stays None."""
    if value is None:
        return None
    return str(Decimal(value).quantize(step, rounding=ROUND_HALF_UP))


def _ceil(value: Decimal) -> Decimal:
    return value.to_integral_value(rounding=ROUND_CEILING)


def nodes(line: Line, volume: Decimal) -> Decimal:
    """Nodes a stepped line needs for ``volume`` a month: ceil(peak requests/s ÷ capacity per node), at least 1."""
    peak = volume * (line.peak_to_average or Decimal(1))
    count = _ceil(peak / (SECONDS_PER_MONTH * line.capacity_per_node))
    return max(count, Decimal(1)) if volume > 0 else Decimal(0)


def factor(line: Line, volume: Decimal) -> Decimal:
    """What the line's amount is multiplied by at ``volume``: its monthly cost is amount × factor."""
    if line.behaviour == FIXED:
        return Decimal(1)
    if line.behaviour == PER_UNIT_COST:
        return (line.units_per_request or Decimal(1)) * volume
    if line.behaviour == STEPPED:
        return nodes(line, volume)
    if line.behaviour == ONE_OFF:
        return Decimal(1) / Decimal(line.amortisation_months)
    raise ValueError(f"unknown behaviour {line.behaviour!r}")


def line_cost(line: Line, volume: Decimal, amount: Decimal | None = None) -> Decimal:
    """The line's monthly cost at ``volume`` (likely amount unless ``amount`` is given)."""
    return (line.likely if amount is None else amount) * factor(line, volume)


def value_at(inputs: Inputs, volume: Decimal) -> Decimal | None:
    """The monthly value at ``volume``: value per unit × volume × quality, else the monthly benefit."""
    if inputs.value_per_unit is not None:
        quality = Decimal(1) if inputs.quality is None else inputs.quality
        return inputs.value_per_unit * volume * quality
    return inputs.monthly_benefit


def scenario_cost(lines: Sequence[Line], volume: Decimal) -> Decimal:
    return sum((line_cost(line, volume) for line in lines), Decimal(0))


def row(inputs: Inputs, lines: Sequence[Line], scale: Decimal) -> dict:
    """The likely case at one scale, exact (``Decimal``), before the Monte Carlo columns are added."""
    volume = scale * inputs.volume_per_month
    by_category: dict[str, Decimal] = {}
    for line in lines:
        by_category[line.category] = by_category.get(line.category, Decimal(0)) + line_cost(line, volume)
    cost = sum(by_category.values(), Decimal(0))
    value = value_at(inputs, volume)
    net = None if value is None else value - cost
    per_unit = cost / volume if volume else None
    checks = []
    if inputs.max_cost_per_unit is not None and per_unit is not None:
        checks.append(per_unit <= inputs.max_cost_per_unit)
    if inputs.max_monthly_cost is not None:
        checks.append(cost <= inputs.max_monthly_cost)
    dominant = max(sorted(by_category), key=lambda c: by_category[c]) if by_category and cost > 0 else None
    return {
        "scale": scale,
        "volume": volume,
        "monthly_cost": cost,
        "cost_per_unit": per_unit,
        "by_category": by_category,
        "dominant_category": dominant,
        "value": value,
        "net_value": net,
        "roi": (net / cost) if net is not None and cost else None,
        "threshold_met": all(checks) if checks else None,
    }


# --- Break-even and crossover volumes ----------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    rate: Decimal  # nodes per unit of volume: peak_to_average ÷ (seconds a month × capacity per node)
    amount: Decimal  # the node's cost, with the sign it has in the searched function


def first_volume(slope: Decimal, constant: Decimal, steps: Sequence[_Step], limit: Decimal = MAX_VOLUME):
    """The smallest volume v in [0, limit] where slope × v + constant + Σ amount × ceil(v × rate) ≥ 0.

    Between two breakpoints of the stepped terms the function is linear, so the search walks the
    intervals, jumping over stretches where it cannot reach zero (bounding the steps still to come);
    None when there is no such volume up to ``limit`` (or the walk takes over ``MAX_STEPS``).
    """
    good = [s for s in steps if s.amount > 0]
    good_rate = sum((s.rate * s.amount for s in good), Decimal(0))
    good_once = sum((s.amount for s in good), Decimal(0))
    reach = slope + good_rate  # the steepest the function can rise, steps included
    start = Decimal(0)
    for _ in range(MAX_STEPS):
        if start > limit:
            return None
        # On (start, end] every stepped term has floor(start × rate) + 1 nodes (one at least).
        counts = [(start * s.rate).to_integral_value(rounding=ROUND_FLOOR) + 1 for s in steps]
        end = min((n / s.rate for n, s in zip(counts, steps, strict=True)), default=limit)
        base = constant + sum((n * s.amount for n, s in zip(counts, steps, strict=True)), Decimal(0))
        at_start = slope * start + base  # the limit from the right
        if at_start > 0 or (at_start == 0 and slope >= 0):
            return start
        if slope > 0 and -base / slope <= end:
            zero = -base / slope
            return zero if zero <= limit else None
        if not steps:
            return None
        # Past ``end`` the bad steps only grow and each good one adds at most (v × rate + 1) × amount.
        ceiling = constant + good_once + sum(
            (n * s.amount for n, s in zip(counts, steps, strict=True) if s.amount < 0), Decimal(0)
        )
        if reach <= 0:
            if reach * end + ceiling < 0:
                return None
            start = end
        else:
            start = max(end, -ceiling / reach)
    return None


def _linear_parts(lines: Sequence[Line], sign: int) -> tuple[Decimal, Decimal, list[_Step]]:
    """(slope per unit of volume, constant, steps) of ``sign`` × the lines' cost as a function of volume."""
    slope, constant, steps = Decimal(0), Decimal(0), []
    for line in lines:
        if line.behaviour == PER_UNIT_COST:
            slope += sign * line.likely * (line.units_per_request or Decimal(1))
        elif line.behaviour == STEPPED:
            rate = (line.peak_to_average or Decimal(1)) / (SECONDS_PER_MONTH * line.capacity_per_node)
            if line.likely:
                steps.append(_Step(rate, sign * line.likely))
        else:
            constant += sign * line_cost(line, Decimal(0) if line.behaviour == FIXED else Decimal(1))
    return slope, constant, steps


def break_even_volume(inputs: Inputs, lines: Sequence[Line]) -> Decimal | None:
    """The monthly volume where the likely net value is 0.

    With a value per unit: the smallest volume from which the value covers the cost. With a fixed
    monthly benefit (value does not grow with volume): the volume at which the cost reaches the
    benefit. None when there is no such volume up to 1e12, or no value figure.
    """
    slope, constant, steps = _linear_parts(lines, -1)
    if inputs.value_per_unit is not None:
        quality = Decimal(1) if inputs.quality is None else inputs.quality
        return first_volume(slope + inputs.value_per_unit * quality, constant, steps)
    if inputs.monthly_benefit is None:
        return None
    # cost − benefit ≥ 0: negate the net.
    found = first_volume(-slope, -constant - inputs.monthly_benefit, [_Step(s.rate, -s.amount) for s in steps])
    return None if found == 0 else found


def crossover_volume(hosted: Sequence[Line], own: Sequence[Line]) -> Decimal | None:
    """The smallest monthly volume where owning the hardware costs no more than hosting; None if never."""
    if not own or not hosted:
        return None
    h_slope, h_const, h_steps = _linear_parts(hosted, 1)
    o_slope, o_const, o_steps = _linear_parts(own, -1)
    return first_volume(h_slope + o_slope, h_const + o_const, [*h_steps, *o_steps])


# --- Sensitivity --------------------------------------------------------------------------------


def tornado(inputs: Inputs, lines: Sequence[Line], likely_row: dict) -> list[dict]:
    """Each line moved from low to high, the others at likely: net value at both ends, largest swing first."""
    volume = likely_row["volume"]
    base = likely_row["net_value"] if likely_row["net_value"] is not None else -likely_row["monthly_cost"]
    bars = []
    for line in lines:
        f = factor(line, volume)
        at_low = base + (line.likely - line.low) * f
        at_high = base - (line.high - line.likely) * f
        bars.append({"line": line.key, "name": line.name, "category": line.category,
                     "net_at_low": at_low, "net_at_high": at_high, "swing": at_low - at_high})
    bars.sort(key=lambda b: (-b["swing"], b["name"]))
    return bars


# --- Monte Carlo --------------------------------------------------------------------------------


def triangular_draws(low: np.ndarray, likely: np.ndarray, high: np.ndarray, draws: int, seed: int) -> np.ndarray:
    """(draws × lines) amounts, each line triangular(low, likely, high), Latin hypercube sampled."""
    rng = np.random.default_rng(seed)
    count = len(low)
    strata = rng.permuted(np.broadcast_to(np.arange(draws, dtype=np.float64), (count, draws)), axis=1)
    u = ((strata + rng.random((count, draws))) / draws).T  # draws × lines, each column one stratum per draw
    width = high - low
    safe = np.where(width > 0, width, 1.0)
    cut = np.where(width > 0, (likely - low) / safe, 0.0)
    left = low + np.sqrt(u * safe * (likely - low))
    right = high - np.sqrt((1 - u) * safe * (high - likely))
    return np.where(width > 0, np.where(u < cut, left, right), likely)


def monte_carlo(inputs: Inputs, lines: Sequence[Line], rows: Sequence[dict]) -> list[dict]:
    """Per scale: P10 / P50 / P90 of net value, P(net value > 0) and a histogram of net value."""
    if not rows:
        return []
    values = [r["value"] for r in rows]
    if not lines:
        return [_summary(np.full(1, float(v if v is not None else 0)), v is None) for v in values]
    low, likely, high = (np.array([float(getattr(line, a)) for line in lines]) for a in ("low", "likely", "high"))
    amounts = triangular_draws(low, likely, high, inputs.draws, inputs.seed)
    factors = np.array([[float(factor(line, r["volume"])) for r in rows] for line in lines])  # lines × scales
    costs = amounts @ factors  # draws × scales
    return [
        _summary((float(v) if v is not None else 0.0) - costs[:, i], v is None) for i, v in enumerate(values)
    ]


def _summary(net: np.ndarray, no_value: bool) -> dict:
    if no_value:
        return {"p10": None, "p50": None, "p90": None, "p_net_positive": None, "histogram": None}
    p10, p50, p90 = np.percentile(net, [10, 50, 90])
    lo, hi = float(net.min()), float(net.max())
    if hi <= lo:
        hi = lo + 1.0
    counts, edges = np.histogram(net, bins=HISTOGRAM_BINS, range=(lo, hi))
    return {
        "p10": _dec(p10), "p50": _dec(p50), "p90": _dec(p90),
        "p_net_positive": Decimal(int(np.count_nonzero(net > 0))) / Decimal(len(net)),
        "histogram": {"edges": [_dec(e) for e in edges], "counts": [int(c) for c in counts]},
    }


def _dec(x: float) -> Decimal:
    if not math.isfinite(x):
        raise ValueError("a Monte Carlo figure is not finite")
    return Decimal(repr(float(x))).quantize(CENT, rounding=ROUND_HALF_UP)


# --- Everything at once -------------------------------------------------------------------------


def compute(inputs: Inputs, *, progress: Callable[[str], None] | None = None) -> dict:
    """The whole model: per scenario and scale the likely row, its tornado and its Monte Carlo columns;
    the hosted break-even volume and the crossover volume. Money as decimal strings."""
    with localcontext() as ctx:
        ctx.prec = 40
        by_scenario = {name: [line for line in inputs.lines if line.scenario == name] for name in inputs.scenarios}
        scenarios = {}
        for name, lines in by_scenario.items():
            if name != HOSTED and not lines:
                continue
            rows = [row(inputs, lines, Decimal(scale)) for scale in inputs.scales]
            simulated = monte_carlo(inputs, lines, rows)
            scenarios[name] = [
                _shown(r, sim, tornado(inputs, lines, r)) for r, sim in zip(rows, simulated, strict=True)
            ]
        hosted = by_scenario.get(HOSTED, [])
        return {
            "results": scenarios[HOSTED],
            "scenarios": scenarios,
            "break_even_volume": money(break_even_volume(inputs, hosted)),
            "crossover_volume": money(crossover_volume(hosted, by_scenario.get(OWN_HARDWARE, []))),
            "draws": inputs.draws,
            "seed": inputs.seed,
        }


def _shown(r: dict, sim: dict, bars: list[dict]) -> dict:
    return {
        "scale": _number(r["scale"]),
        "volume": money(r["volume"]),
        "monthly_cost": money(r["monthly_cost"]),
        "cost_per_unit": money(r["cost_per_unit"], PER_UNIT),
        "by_category": {c: money(v) for c, v in sorted(r["by_category"].items())},
        "dominant_category": r["dominant_category"],
        "value": money(r["value"]),
        "net_value": money(r["net_value"]),
        "roi": money(r["roi"], RATIO),
        "threshold_met": r["threshold_met"],
        "p10": money(sim["p10"]),
        "p50": money(sim["p50"]),
        "p90": money(sim["p90"]),
        "p_net_positive": money(sim["p_net_positive"], RATIO),
        "histogram": sim["histogram"] and {
            "edges": [money(e) for e in sim["histogram"]["edges"]], "counts": sim["histogram"]["counts"],
        },
        "tornado": [
            {**b, "net_at_low": money(b["net_at_low"]), "net_at_high": money(b["net_at_high"]),
             "swing": money(b["swing"])}
            for b in bars
        ],
    }


def _number(value: Decimal) -> int | str:
    return int(value) if value == value.to_integral_value() else str(value.normalize())
