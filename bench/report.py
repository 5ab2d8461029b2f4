"""Benchmark of the PDF report: a PoC with 10 evaluation runs, 50 cost lines, 30 integrations and a
500-event activity log.

    .venv/bin/python -m bench.report [--rounds 5] [--output var/bench/report.json]

Measured, alternating round by round, medians reported:

- the export's work, as its job runs it (``services.report_generate``): read the evidence through
  the selectors, build the context, draw the charts, render the HTML, lay out and write the
  PDF/A-3b, store it;
- the floor: WeasyPrint rendering the same pre-built HTML (with the same attachment) and nothing else.

Target: the export ≤ 1.5 × the floor. The data is written through the services in a scratch
database (``pocportal_bench_report``), dropped at the end.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pypdf

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "report.json"
BENCH_DATABASE = "pocportal_bench_report"
TARGET = 1.5

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
RUNS, LINES, INTEGRATIONS, EVENTS = 10, 50, 30, 500
ROWS_PER_RUN = 2000


def results_file(seed: int) -> bytes:
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = np.array(["approve", "refer", "reject"])
    truth = rng.integers(0, 3, ROWS_PER_RUN)
    wrong = rng.random(ROWS_PER_RUN) < 0.1 + seed * 0.01
    predicted = np.where(wrong, (truth + 1) % 3, truth)
    segments = np.array(["motor", "home", "travel", "pet"])[rng.integers(0, 4, ROWS_PER_RUN)]
    latency = rng.gamma(4, 60, ROWS_PER_RUN).round(1)
    modes = np.array(["missing field", "wrong policy", "ambiguous"])[rng.integers(0, 3, ROWS_PER_RUN)]
    lines = ["id,label,prediction,segment,latency_ms,failure_mode"]
    for i in range(ROWS_PER_RUN):
        mode = modes[i] if wrong[i] else ""
        lines.append(f"{i},{labels[truth[i]]},{labels[predicted[i]]},{segments[i]},{latency[i]},{mode}")
    return ("\n".join(lines) + "\n").encode()


def fill():
    """The PoC, written through the services as its team would."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.accounts.models import User
    from apps.audit.selectors import event_count
    from apps.costs import services as costs
    from apps.evaluations import services as evaluations
    from apps.integrations import services as integrations
    from apps.pocs import services as pocs

    people = {
        role: User.objects.create_user(email=f"{role}@bench.test", password="x" * 16, full_name=role.title())
        for role in ("lead", "owner", "decider")
    }
    lead = people["lead"]
    poc = pocs.poc_create(
        user=lead,
        lead=lead,
        name="Claims triage (report benchmark)",
        production_owner=people["owner"],
        decision_maker=people["decider"],
    )
    datasets = [
        evaluations.dataset_create(poc=poc, user=lead, data={"name": name, "kind": kind, "is_standard": standard})
        for name, kind, standard in (("Curated sample", "curated", False), ("Production sample", "production", True))
    ]
    models = [evaluations.model_version_create(poc=poc, user=lead, data={"name": f"Model {n}"}) for n in range(5)]
    for n in range(RUNS):
        evaluations.eval_run_create(
            poc=poc,
            user=lead,
            dataset=datasets[n % 2],
            model_version=models[n // 2],
            resamples=500,
            upload=SimpleUploadedFile(f"run-{n}.csv", results_file(n)),
        )
    costs.cost_model_update(poc=poc, user=lead, changes={"volume_per_month": "200000", "value_per_unit": "0.9"})
    categories = ["inference", "compute", "storage", "data_pipeline", "licences", "people", "integration"]
    for n in range(LINES):
        costs.cost_line_create(
            poc=poc,
            user=lead,
            data={
                "name": f"Line {n}",
                "category": categories[n % len(categories)],
                "behaviour": "fixed",
                "low": 100 + n,
                "likely": 150 + n,
                "high": 260 + n,
            },
        )
    for n in range(INTEGRATIONS):
        integrations.integration_create(
            poc=poc,
            user=lead,
            data={
                "system": f"System {n}",
                "direction": ["reads_from", "writes_to", "identity"][n % 3],
                "owning_team": f"Team {n % 6}",
                "estimate_days": 2 + n % 5,
                "estimate_cost": 1000 + 50 * n,
            },
        )
    n = 0
    while event_count(poc.pk) < EVENTS:
        poc.refresh_from_db()
        pocs.poc_update(poc=poc, user=lead, changes={"description": f"Revision {n}"}, version=poc.version)
        n += 1
    poc.refresh_from_db()
    return poc, lead


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    from pocportal.celery import app

    app.conf.task_always_eager = True  # the runs and the cost model compute here, not on a worker
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="bench-report-")
    if connection.settings_dict["NAME"] == BENCH_DATABASE:
        print(f"error: the main database is named {BENCH_DATABASE}.", file=sys.stderr)
        return 2
    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DATABASE
    print(f"Creating scratch database {BENCH_DATABASE} (migrations)…", flush=True)
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set(), aliases={"default"})
    try:
        from apps.audit.selectors import event_count
        from apps.reports import context, render, services
        from apps.reports.models import Report

        print(f"Filling it: {RUNS} runs, {LINES} cost lines, {INTEGRATIONS} integrations, {EVENTS} events…", flush=True)
        poc, lead = fill()
        events = event_count(poc.pk)
        content, document = context.document_for(poc)
        html = render.report_html(context.build(poc, document, signed=False))
        created = poc.updated_at
        export, floor = [], []
        size = 0
        for _ in range(args.rounds):
            report = Report.objects.create(poc=poc, created_by=lead)
            started = time.perf_counter()
            result = services.report_generate(report_id=report.pk)
            export.append(time.perf_counter() - started)
            size = result["size"]
            started = time.perf_counter()
            pdf = render.pdf_from_html(html, document=content, created=created, signed=False)
            floor.append(time.perf_counter() - started)
        pages = len(pypdf.PdfReader(io.BytesIO(pdf)).pages)
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()
        teardown_databases(old_config, verbosity=0)
    ratio = statistics.median(export) / statistics.median(floor)
    print(
        f"\nReport export: {median_ms(export)} ms (median of {args.rounds}; spread "
        f"{median_ms([min(export)])}–{median_ms([max(export)])} ms)"
    )
    print(
        f"WeasyPrint on the pre-built HTML (floor): {median_ms(floor)} ms "
        f"({median_ms([min(floor)])}–{median_ms([max(floor)])} ms)"
    )
    print(f"Ratio {ratio:.2f}× (target ≤ {TARGET}×); PDF {size / 1024:.0f} KiB, {pages} pages, {events} events")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "sizes": {
                    "runs": RUNS,
                    "rows_per_run": ROWS_PER_RUN,
                    "cost_lines": LINES,
                    "integrations": INTEGRATIONS,
                    "events": events,
                },
                "export_ms": [round(v * 1000, 1) for v in export],
                "floor_ms": [round(v * 1000, 1) for v in floor],
                "median_export_ms": median_ms(export),
                "median_floor_ms": median_ms(floor),
                "ratio": round(ratio, 3),
                "target": TARGET,
                "pdf_bytes": size,
                "pages": pages,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Results written to {args.output}")
    if ratio > TARGET:
        print(f"error: the export took {ratio:.2f}× the floor, above {TARGET}×", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
