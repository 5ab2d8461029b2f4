"""The Portfolio page with 1,000 PoCs against a bare template view of the same size, in the same run.

    .venv/bin/python -m bench.portfolio [--pocs 1000] [--rounds 5] [--requests 20] [--output var/bench/portfolio.json]
                                        [--strict]

Measured through ``django.test.Client`` (the whole middleware stack), alternating round by round with
the baseline, medians reported:

- ``/portfolio/`` as a portfolio viewer (every PoC visible): the default sort (worst risk first),
  sorted by name, and filtered (stage, risk, overdue) with an HTMX request for the results partial;
- ``/api/v1/portfolio/``, and ``/portfolio/export.csv`` (every row);
- the baseline: a bare template view, signed in like the page (the same middleware, session and user
  reads, the same ``base.html`` chrome) but with no query for data, rendering a table sized to the
  same number of bytes as the portfolio page.

Target: the portfolio page's median ≤ 3 × the bare view's, reported as met or MISSED; a miss makes the
run exit 1 only with ``--strict``. Queries and HTML bytes are counted beside
each time. The scratch database (``BENCH_PORTFOLIO_DATABASE``, default ``pocportal_portfolio``) is
created with every migration and trigger, filled in single statements (PoCs, then their stored
summaries) and dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = os.environ.get("BENCH_PORTFOLIO_DATABASE", "pocportal_portfolio")
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "portfolio.json"
TARGET = 3.0

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
os.environ["DEBUG"] = "false"
# The day's reminders would run in a thread of this process on the first request, mailing about the
# bench's PoCs while it measures: a scheduled job's work, not the page's.
os.environ["REMINDERS_IN_PROCESS"] = "false"
if not (ROOT / "staticfiles" / "staticfiles.json").exists():
    os.environ["STATIC_COLLECTED"] = "false"

from bench.run import alternate, environment, get, make_client  # noqa: E402 (after the environment)

BARE_ROW = (
    '<tr><td><a href="/pocs/{{ row.id }}/">{{ row.name }}</a></td><td>{{ row.unit }}</td>'
    '<td><span class="badge stage-running">Running</span></td><td>3.1</td><td>6</td>'
    '<td><span class="badge risk-high">High</span> <span class="muted">R2: {{ row.why }}</span></td><td>2/6</td>'
    "<td>1 Feb 2026</td><td>Not requested</td><td>{{ row.lead }}</td><td>{{ row.maker }}</td>"
    '<td><span class="muted">No</span></td></tr>'
)


def bare_view(request):
    """What serving that much HTML costs alone: a signed-in request through the same middleware, the same
    session and user reads and the same page chrome (``base.html``), its content a table of
    ``settings.BENCH_BARE_ROWS`` rows from a list in memory (no query for data)."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        '{% extends "base.html" %}{% block title %}Bare · PoC Portal{% endblock %}{% block content %}'
        '<table class="list"><tbody>{% for row in rows %}' + BARE_ROW + "{% endfor %}</tbody></table>{% endblock %}"
    )
    rows = [
        {
            "id": i,
            "name": f"Bench PoC {i:06d}",
            "unit": "Claims operations",
            "lead": "Bench Lead",
            "maker": "Bench Decider",
            "why": "No evaluation on a representative production sample yet.",
        }
        for i in range(settings.BENCH_BARE_ROWS)
    ]
    return HttpResponse(template.render({"rows": rows}, request))


def _urlpatterns():
    from django.contrib.auth.decorators import login_required
    from django.urls import include, path

    return [path("bench-bare/", login_required(bare_view)), path("", include("pocportal.urls"))]


def __getattr__(name):  # the bench's URLconf: the portal's URLs and the bare page
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


LEVELS = "{low,medium,high}"


def fill(count: int, *, lead_id: int, maker_id: int, unit_ids: list[int]) -> None:
    """``count`` PoCs across the stages, business units and dates, and a stored summary for each."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from apps.pocs.models import PoC, Stage

    today, now, stages = timezone.localdate(), timezone.now(), Stage.values
    PoC.objects.bulk_create(
        [
            PoC(
                name=f"Bench PoC {i:06d}",
                stage=stages[i % 6],
                stage_changed_at=now - datetime.timedelta(days=i % 200),
                kickoff_date=today - datetime.timedelta(days=i % 120),
                timebox_weeks=6 + i % 3,
                decision_due_date=None if i % 5 == 0 else today + datetime.timedelta(days=i % 60 - 20),
                lead_id=lead_id,
                decision_maker_id=maker_id,
                business_unit_id=unit_ids[i % len(unit_ids)],
                created_by_id=lead_id,
            )
            for i in range(1, count + 1)
        ],
        batch_size=500,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO portfolio_pocsummary (poc_id, risk_level, risk_rank, risk_reason, risk_why, reason_1, reason_2,
                                              reason_3, reason_4, reason_5, criteria_met, decision_outcome,
                                              computed_on, refreshed_at)
            SELECT id, (%s::text[])[1 + id %% 3], id %% 3, 1 + id %% 5,
                   'No evaluation on a representative production sample yet.', id %% 3, (id + 1) %% 3, (id + 2) %% 3,
                   id %% 2, (id + 1) %% 2, id %% 7, CASE WHEN stage = 'decided' THEN
                   (CASE WHEN id %% 2 = 0 THEN 'go' ELSE 'no_go' END) ELSE '' END, current_date, now()
              FROM pocs_poc
            """,
            [LEVELS],
        )
        cursor.execute("ANALYZE pocs_poc; ANALYZE portfolio_pocsummary")


@dataclass
class Row:
    name: str
    path: str
    baseline: list[float]
    measured: list[float]
    queries: int
    html_bytes: int

    @property
    def ratio(self) -> float:
        """The median over rounds of (page / bare page) in that round: drift between rounds cancels."""
        return statistics.median(m / b for m, b in zip(self.measured, self.baseline, strict=True))

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "ratio": round(self.ratio, 3),
            "measured_ms": statistics.median(self.measured) * 1e3,
            "baseline_ms": statistics.median(self.baseline) * 1e3,
        }


def measure(client, name: str, path: str, rounds: int, requests: int, **headers) -> Row:
    from django.db import connection

    def fetch(url: str):
        response = client.get(url, secure=True, **headers) if url == path else get(client, url)
        # The CSV streams: its rows are read and written while the body is consumed, so it is consumed here.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        return response, body

    for _ in range(3):  # warm: templates, URL resolver, plan cache
        fetch(path)
        fetch("/bench-bare/")
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response, body = fetch(path)
    assert response.status_code == 200, (path, response.status_code)

    def timed(url: str) -> Callable[[int], float]:
        def run(_r: int) -> float:
            start = time.perf_counter()
            for _ in range(requests):
                fetch(url)
            return (time.perf_counter() - start) / requests

        return run

    base, meas = alternate(rounds, timed("/bench-bare/"), timed(path))
    row = Row(name, path, base, meas, len(queries), len(body))
    print(
        f"  {name:<40} {statistics.median(meas) * 1e3:8.2f} ms  bare {statistics.median(base) * 1e3:6.2f} ms  "
        f"x{row.ratio:5.2f}  {row.queries:2d} queries  {row.html_bytes / 1024:6.1f} KiB",
        flush=True,
    )
    return row


def size_bare_to(client, target_bytes: int) -> int:
    """Set the bare view's row count so its page weighs about ``target_bytes``."""
    from django.conf import settings

    settings.BENCH_BARE_ROWS = 0
    empty = len(get(client, "/bench-bare/").content)
    settings.BENCH_BARE_ROWS = 100
    per_row = (len(get(client, "/bench-bare/").content) - empty) / 100
    settings.BENCH_BARE_ROWS = max(1, round((target_bytes - empty) / per_row))
    return settings.BENCH_BARE_ROWS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pocs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20, help="per round, per page")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--strict", action="store_true", help="exit 1 when the page misses the target")
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases
    from django.urls import clear_url_caches

    if connection.settings_dict["NAME"] == DATABASE:
        print(f"error: the main database is named {DATABASE}; the benchmark would drop it.", file=sys.stderr)
        return 2
    settings.ROOT_URLCONF = "bench.portfolio"
    clear_url_caches()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = DATABASE
    started = time.perf_counter()
    print(f"Creating scratch database {DATABASE} (migrations)…", flush=True)
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set(), aliases={"default"})
    rows: list[Row] = []
    try:
        from apps.accounts.models import BusinessUnit, User

        lead = User.objects.create_user("lead@bench.test", full_name="Bench Lead")
        maker = User.objects.create_user("maker@bench.test", full_name="Bench Decider")
        executive = User.objects.create_user(
            "exec@bench.test", full_name="Bench Executive", org_role=User.OrgRole.PORTFOLIO_VIEWER
        )
        units = [BusinessUnit.objects.create(name=f"Unit {i}", code=f"unit-{i}").pk for i in range(8)]
        fill(args.pocs, lead_id=lead.pk, maker_id=maker.pk, unit_ids=units)
        client = make_client(executive)
        page_bytes = len(get(client, "/portfolio/").content)
        bare_rows = size_bare_to(client, page_bytes)
        print(
            f"{args.pocs:,} PoCs; the bare page has {bare_rows} rows to match {page_bytes / 1024:.1f} KiB:", flush=True
        )
        rows.append(measure(client, "Portfolio page", "/portfolio/", args.rounds, args.requests))
        rows.append(
            measure(client, "Portfolio page, sorted by name", "/portfolio/?ordering=name", args.rounds, args.requests)
        )
        rows.append(
            measure(
                client,
                "Portfolio results (HTMX), filtered",
                "/portfolio/?stage=running&risk=high&overdue=false",
                args.rounds,
                args.requests,
                HTTP_HX_REQUEST="true",
                HTTP_HX_TARGET="portfolio-results",
            )
        )
        rows.append(measure(client, "GET /api/v1/portfolio/", "/api/v1/portfolio/", args.rounds, args.requests))
        rows.append(
            measure(
                client,
                f"CSV export ({args.pocs:,} rows)",
                "/portfolio/export.csv",
                args.rounds,
                max(1, args.requests // 4),
            )
        )
        env = environment(connection.settings_dict, connection.pg_version and str(connection.pg_version))
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()
        teardown_databases(old_config, verbosity=0)

    page = rows[0]
    ok = page.ratio <= TARGET
    elapsed = time.perf_counter() - started
    print(
        f"\nPortfolio page / bare page of the same size: x{page.ratio:.2f} (target ≤ {TARGET:.0f}x) "
        f"{'met' if ok else 'MISSED'}; {elapsed:.0f} s"
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "pocs": args.pocs,
                "rounds": args.rounds,
                "requests": args.requests,
                "environment": env,
                "target": TARGET,
                "target_met": ok,
                "results": [row.as_dict() for row in rows],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Results written to {args.output}")
    # A missed target is reported, not a failure of the run, unless asked (--strict).
    return 1 if args.strict and not ok else 0


if __name__ == "__main__":
    sys.exit(main())
