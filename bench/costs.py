"""Benchmark of a cost-model recompute: 50 cost lines, 3 scales, 10,000 Monte Carlo draws.

    .venv/bin/python -m bench.costs [--lines 50] [--draws 10000] [--rounds 15] [--output var/bench/costs.json]

Measured, alternating round by round, medians reported:

- the recompute's work (``apps.costs.calc.compute``: the likely case per scenario and scale, a
  tornado per scale, the Latin-hypercube Monte Carlo, break-even and crossover volumes) plus
  serialising the results as they are stored;
- the baseline: NumPy generating the same number of random draws (lines × draws triangular
  amounts with ``Generator.triangular``).

Target: recompute ≤ 20 × the baseline. The database read and the one UPDATE that stores the
results are left out (a few milliseconds, independent of the draws).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "costs.json"
TARGET = 20.0


def make_inputs(lines: int, draws: int):
    from apps.costs import calc

    rng = np.random.default_rng(0)
    categories = ["inference", "compute", "gpu", "storage", "data_pipeline", "licences", "people", "integration"]
    behaviours = ["fixed", "per_unit", "stepped", "one_off"]
    made = []
    for i in range(lines):
        behaviour = behaviours[i % 4]
        likely = Decimal(str(round(float(rng.uniform(10, 5000)), 2))) if behaviour != "per_unit" else Decimal("0.004")
        extra = {}
        if behaviour == "stepped":
            extra = {"capacity_per_node": Decimal("0.5"), "peak_to_average": Decimal(3)}
        elif behaviour == "one_off":
            extra = {"amortisation_months": 24}
        elif behaviour == "per_unit":
            extra = {"units_per_request": Decimal("1.5")}
        made.append(calc.Line(
            name=f"line {i}", category=categories[i % len(categories)], behaviour=behaviour,
            low=likely * Decimal("0.7"), likely=likely, high=likely * Decimal("1.6"),
            scenario="own_hardware" if i % 10 == 9 else "hosted", key=str(i), **extra,
        ))
    return calc.Inputs(volume_per_month=Decimal(200_000), lines=made, value_per_unit=Decimal("0.9"),
                       quality=Decimal("0.85"), max_cost_per_unit=Decimal("0.5"), draws=draws, seed=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from apps.costs import calc

    inputs = make_inputs(args.lines, args.draws)
    low = np.array([float(line.low) for line in inputs.lines])
    likely = np.array([float(line.likely) for line in inputs.lines])
    high = np.array([float(line.high) for line in inputs.lines])

    def recompute() -> float:
        start = time.perf_counter()
        json.dumps(calc.compute(inputs))
        return time.perf_counter() - start

    def baseline() -> float:
        start = time.perf_counter()
        np.random.default_rng(1).triangular(low, likely, high, size=(args.draws, args.lines))
        return time.perf_counter() - start

    recompute(), baseline()  # warm up (imports, caches)
    measured, base = [], []
    for _ in range(args.rounds):
        base.append(baseline())
        measured.append(recompute())
    m, b = statistics.median(measured), statistics.median(base)
    ratio = m / b
    print(f"costs: {args.lines} lines, {len(inputs.scales)} scales, {args.draws:,} draws, {args.rounds} rounds")
    spread = f"min {min(measured) * 1000:.1f}, max {max(measured) * 1000:.1f}"
    print(f"  recompute          {m * 1000:8.1f} ms (median; {spread})")
    print(f"  numpy draws        {b * 1000:8.1f} ms ({args.lines * args.draws:,} triangular draws)")
    print(f"  recompute / draws = {ratio:.1f}× (target ≤ {TARGET:.0f}×)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "lines": args.lines, "scales": len(inputs.scales), "draws": args.draws, "rounds": args.rounds,
        "recompute_seconds": m, "numpy_draws_seconds": b, "ratio": ratio, "target": TARGET,
        "target_met": ratio <= TARGET,
    }, indent=2))
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
