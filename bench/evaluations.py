"""Benchmark of an evaluation run on a 1,000,000-row classification file (3 classes, 10 segments, latency).

    .venv/bin/python -m bench.evaluations [--rows 1000000] [--resamples 2000] [--output var/bench/evaluations.json]

Measured in one run, each in a fresh process so its peak memory is its own:

- the whole job's work: read the file, parse → validate → compute (every metric and interval),
  serialise the results as stored: time and peak memory (RSS);
- the parse alone (the floor any job pays);
- the intervals alone (``compute`` on the validated arrays);
- ``scipy.stats.bootstrap`` computing only the accuracy interval on the same rows (percentile
  method, vectorised, in batches so it fits in memory).

Targets: job ≤ 2 × parse, all intervals together ≥ 10 × faster than scipy's one, peak ≤ 1 GiB.
The job is run without the database: the store is one UPDATE of a JSON document, negligible here.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "evaluations.json"


def make_file(path: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    classes = np.array(["approve", "reject", "escalate"])
    y = rng.choice(3, rows, p=[0.5, 0.3, 0.2])
    p = np.where(rng.random(rows) < 0.88, y, rng.integers(0, 3, rows))
    segments = np.array([f"region-{i}" for i in range(10)])[rng.integers(0, 10, rows)]
    latency = np.round(rng.lognormal(5.5, 0.6, rows), 2)
    with path.open("w") as handle:
        handle.write("id,label,prediction,segment,latency_ms\n")
        step = 100_000
        for start in range(0, rows, step):
            stop = min(rows, start + step)
            ids = np.arange(start, stop).astype(str)
            block = np.char.add(np.char.add(ids, ","), classes[y[start:stop]])
            for column in (classes[p[start:stop]], segments[start:stop], latency[start:stop].astype(str)):
                block = np.char.add(np.char.add(block, ","), column)
            handle.write("\n".join(block.tolist()) + "\n")


def child(what: str, path: str, resamples: int) -> dict:
    """Run one measurement in this process; print its time and peak memory."""
    from apps.evaluations import compute

    start = time.perf_counter()
    if what == "parse":
        data = Path(path).read_bytes()
        compute.parse(data, filename=path)
    elif what == "job":
        data = Path(path).read_bytes()
        table = compute.parse(data, filename=path)
        del data
        outcomes = compute.validate(table)
        del table
        json.dumps(compute.compute(outcomes, resamples=resamples, seed=0))
    elif what == "intervals":
        outcomes = compute.validate(compute.parse(Path(path).read_bytes(), filename=path))
        start = time.perf_counter()
        compute.compute(outcomes, resamples=resamples, seed=0)
    elif what == "scipy":
        from scipy.stats import bootstrap

        outcomes = compute.validate(compute.parse(Path(path).read_bytes(), filename=path))
        correct = (outcomes.y_true == outcomes.y_pred).astype(np.float64)
        del outcomes
        start = time.perf_counter()
        bootstrap((correct,), np.mean, n_resamples=resamples, batch=20, vectorized=True, method="percentile",
                  random_state=0)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux
    return {"seconds": seconds, "peak_bytes": peak}


def measure(what: str, path: Path, resamples: int) -> dict:
    command = [sys.executable, "-m", "bench.evaluations", "--child", what, "--file", str(path)]
    out = subprocess.run(  # noqa: S603  (this script itself, with arguments it made)
        [*command, "--resamples", str(resamples)], cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--child", choices=["parse", "job", "intervals", "scipy"])
    parser.add_argument("--file")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.file, args.resamples)))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "results.csv"
        make_file(path, args.rows)
        size = path.stat().st_size
        print(f"evaluations: {args.rows:,} rows, {size / 2**20:.1f} MiB, {args.resamples} resamples")
        results = {what: measure(what, path, args.resamples) for what in ("job", "parse", "intervals", "scipy")}
    ratios = {
        "job_over_parse": results["job"]["seconds"] / results["parse"]["seconds"],
        "scipy_accuracy_over_all_intervals": results["scipy"]["seconds"] / results["intervals"]["seconds"],
        "job_peak_gib": results["job"]["peak_bytes"] / 2**30,
    }
    targets = {
        "job_over_parse": ratios["job_over_parse"] <= 2,
        "scipy_accuracy_over_all_intervals": ratios["scipy_accuracy_over_all_intervals"] >= 10,
        "job_peak_gib": ratios["job_peak_gib"] <= 1,
    }
    for what, row in results.items():
        print(f"  {what:<10} {row['seconds']:8.2f} s   peak {row['peak_bytes'] / 2**20:7.0f} MiB")
    print(f"  job / parse = {ratios['job_over_parse']:.2f} (target ≤ 2)")
    print(f"  scipy accuracy interval / all our intervals = {ratios['scipy_accuracy_over_all_intervals']:.1f}× "
          "(target ≥ 10)")
    print(f"  job peak = {ratios['job_peak_gib']:.2f} GiB (target ≤ 1)")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"rows": args.rows, "file_bytes": size, "resamples": args.resamples,
                                       "results": results, "ratios": ratios, "targets_met": targets}, indent=2))
    return 0 if all(targets.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
