"""Pages at scale: My PoCs at 10, 1,000 and 10,000 PoCs and the activity feed over 100,000 events.

    .venv/bin/python -m bench.scale [--quick] [--rounds 5] [--output var/bench/scale.json]

Each page is timed through ``django.test.Client`` against a bare template view of the same size
(no database, no middleware work beyond the client's) in the same run, alternating round by round,
and reported as a ratio to it; the growth figure divides a page's ratio at the largest size by its
ratio at 10 PoCs, so drift on the machine cancels. The process answering is the worker: its RSS is
reported after each size. Targets: My PoCs at 10,000 PoCs within 1.5x of its cost at 10, the
activity page's last page within 1.5x of its first. ``--quick`` (1,000 PoCs, 10,000 events) is a
smoke run and never fails on a target.

The scratch database (``BENCH_SCALE_DATABASE``, default ``pocportal_scale``) is created with every
migration and trigger and dropped at the end. PoCs and events are written in single statements
(the audit triggers record each row as usual), then the tables are analysed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCALE_DATABASE = os.environ.get("BENCH_SCALE_DATABASE", "pocportal_scale")
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "scale.json"
TARGET = 1.5

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
os.environ["DEBUG"] = "false"
if not (ROOT / "staticfiles" / "staticfiles.json").exists():
    # Not collected (make bench collects first): the pages name the source files instead of the hashed ones.
    os.environ["STATIC_COLLECTED"] = "false"

from bench.run import alternate, environment, get, make_client, spread  # noqa: E402 (after the environment)


@dataclass
class Sizes:
    levels: list[int] = field(default_factory=lambda: [10, 1_000, 10_000])
    events: int = 100_000
    requests: int = 20  # per round, per page
    rounds: int = 5


QUICK = Sizes(levels=[10, 1_000], events=10_000, requests=5, rounds=3)


# --- A bare page of the same size, as its own URL ------------------------------------------------------


def bare_view(request):
    """A template with a table of ``settings.BENCH_BARE_ROWS`` rows: what rendering that much HTML costs alone."""
    from django.conf import settings
    from django.http import HttpResponse
    from django.template import engines

    template = engines["django"].from_string(
        "<!doctype html><html><head><title>Bare</title></head><body><table><tbody>"
        "{% for row in rows %}<tr><td><a href=\"/pocs/{{ row.id }}/\">{{ row.name }}</a></td>"
        "<td><span class=\"badge stage-draft\">Draft</span></td><td>{{ row.lead }}</td><td>—</td>"
        "<td>{{ row.due }}</td><td><time datetime=\"2026-01-01\">1 Jan 2026</time></td></tr>{% endfor %}"
        "</tbody></table></body></html>"
    )
    rows = [{"id": i, "name": f"Bench PoC {i:06d}", "lead": "Bench Lead", "due": "1 Feb 2026"}
            for i in range(settings.BENCH_BARE_ROWS)]
    return HttpResponse(template.render({"rows": rows}, request))


def _urlpatterns():
    from django.urls import include, path

    return [path("bench-bare/", bare_view), path("", include("pocportal.urls"))]


def __getattr__(name):  # the bench's URLconf: the portal's URLs and the bare page
    if name == "urlpatterns":
        return _urlpatterns()
    raise AttributeError(name)


# --- Data ----------------------------------------------------------------------------------------------


STAGES = "{draft,kickoff,running,evaluating,awaiting_decision,decided}"


def add_pocs(count: int, lead_id: int, start: int) -> None:
    """``count`` PoCs led by ``lead_id`` in one statement (numbered from ``start``)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO pocs_poc (name, description, sponsor_name, production_owner_budget_line, stage,
                                  stage_changed_at, timebox_weeks, timebox_justification, decision_due_date,
                                  data_sensitivity, version, lead_id, created_by_id, created_at, updated_at)
            SELECT 'Bench PoC ' || lpad(i::text, 6, '0'), 'Classify inbound claims and route them.', '', '',
                   (%s::text[])[1 + i %% 6], now(), 6, '',
                   CASE WHEN i %% 4 = 0 THEN NULL ELSE current_date + (i %% 97) END, 'internal', 1,
                   %s, %s, now() - i * interval '1 minute', now() - i * interval '1 second'
              FROM generate_series(%s, %s) AS i
            """,
            [STAGES, lead_id, lead_id, start, start + count - 1],
        )
        # Each with its stored summary, as the refresh leaves them: My PoCs draws every row's risk strip.
        cursor.execute(
            """
            INSERT INTO portfolio_pocsummary (poc_id, risk_level, risk_rank, risk_reason, risk_why, reason_1,
                                              reason_2, reason_3, reason_4, reason_5, criteria_met,
                                              decision_outcome, computed_on, refreshed_at)
            SELECT p.id, 'high', 2, 1, 'No value per unit yet.', 2, p.id % 3, 1, 0, p.id % 2, 0, '',
                   current_date, now()
              FROM pocs_poc p WHERE NOT EXISTS (SELECT 1 FROM portfolio_pocsummary s WHERE s.poc_id = p.id)
            """
        )
        cursor.execute("ANALYZE pocs_poc; ANALYZE pocs_membership; ANALYZE portfolio_pocsummary")


def add_events(poc_id: int, count: int, user) -> None:
    from django.db import connection

    from bench.run import add_events as updates

    updates([poc_id], count, user=user)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE audit_auditevent")


def rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


# --- Measuring ------------------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    size: str
    baseline: list[float]
    measured: list[float]
    queries: int
    html_bytes: int
    rss_mib: float

    @property
    def ratio(self) -> float:
        """The median over rounds of (page / bare page) in that round: drift between rounds cancels."""
        return statistics.median(m / b for m, b in zip(self.measured, self.baseline, strict=True))

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": round(self.ratio, 3), "measured_ms": statistics.median(self.measured) * 1e3,
                "baseline_ms": statistics.median(self.baseline) * 1e3, "measured_spread": spread(self.measured)}


def measure(client, name: str, size: str, path: str, sizes: Sizes) -> Row:
    from django.db import connection

    for _ in range(3):  # warm: templates, URL resolver, plan cache
        get(client, path)
        get(client, "/bench-bare/")
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        html = get(client, path).content

    def timed(url: str) -> Callable[[int], float]:
        def run(_r: int) -> float:
            start = time.perf_counter()
            for _ in range(sizes.requests):
                get(client, url)
            return (time.perf_counter() - start) / sizes.requests

        return run

    base, meas = alternate(sizes.rounds, timed("/bench-bare/"), timed(path))
    row = Row(name, size, base, meas, len(queries), len(html), rss_mib())
    print(f"  {name:<44} {size:>14}  {statistics.median(meas) * 1e3:8.2f} ms  "
          f"bare {statistics.median(base) * 1e3:6.2f} ms  x{row.ratio:5.2f}  {row.queries:2d} queries  "
          f"{row.html_bytes / 1024:6.1f} KiB  RSS {row.rss_mib:6.1f} MiB", flush=True)
    return row


def growth(rows: list[Row], name: str, first: str, last: str) -> float:
    by_size = {row.size: row for row in rows if row.name == name}
    return by_size[last].ratio / by_size[first].ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 PoCs and 10,000 events, never fails on a target")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    if args.rounds:
        sizes.rounds = args.rounds

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases
    from django.urls import clear_url_caches

    if connection.settings_dict["NAME"] == SCALE_DATABASE:
        print(f"error: the main database is named {SCALE_DATABASE}; the benchmark would drop it.", file=sys.stderr)
        return 2
    settings.ROOT_URLCONF = "bench.scale"
    clear_url_caches()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = SCALE_DATABASE
    started = time.perf_counter()
    print(f"Creating scratch database {SCALE_DATABASE} (migrations)…", flush=True)
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set(), aliases={"default"})
    rows: list[Row] = []
    try:
        from apps.accounts.models import User
        from apps.pocs.models import Membership, PoC

        lead = User.objects.create_user("lead@bench.test", full_name="Bench Lead")
        viewer = User.objects.create_user("viewer@bench.test", full_name="Bench Viewer")
        lead_client, viewer_client = make_client(lead), make_client(viewer)
        print(f"worker RSS at start: {rss_mib():.1f} MiB", flush=True)
        have = 0
        for level in sizes.levels:
            add_pocs(level - have, lead.pk, have + 1)
            have = level
            if not Membership.objects.filter(user=viewer).exists():
                for poc in PoC.objects.order_by("id")[:3]:
                    Membership.objects.create(poc=poc, user=viewer, role="viewer")
            settings.BENCH_BARE_ROWS = min(level, 25)
            size = f"{level:,} PoCs"
            print(f"{size}:", flush=True)
            rows.append(measure(lead_client, "My PoCs (lead sees all)", size, "/pocs/", sizes))
            rows.append(measure(lead_client, "My PoCs, sorted by name", size, "/pocs/?sort=name", sizes))
            rows.append(measure(lead_client, "My PoCs, search", size, "/pocs/?q=PoC+0000", sizes))
            rows.append(measure(viewer_client, "My PoCs (a viewer of 3)", size, "/pocs/", sizes))
            rows.append(measure(lead_client, "GET /api/v1/pocs/", size, "/api/v1/pocs/", sizes))

        target = PoC.objects.order_by("id").first()
        print(f"Adding {sizes.events:,} events on one PoC…", flush=True)
        add_events(target.pk, sizes.events, lead)
        from apps.audit.models import AuditEvent

        ids = list(AuditEvent.objects.filter(poc_id=target.pk).order_by("id").values_list("id", flat=True)[:51])
        size = f"{AuditEvent.objects.filter(poc_id=target.pk).count():,} events"
        settings.BENCH_BARE_ROWS = 50
        print(f"{size}:", flush=True)
        base = f"/pocs/{target.pk}/activity/"
        rows.append(measure(lead_client, "activity, first page", size, base, sizes))
        rows.append(measure(lead_client, "activity, last page", size, f"{base}?before={ids[50]}", sizes))
        api = f"/api/v1/pocs/{target.pk}/activity/"
        rows.append(measure(lead_client, "activity API, first page", size, api, sizes))
        rows.append(measure(lead_client, "activity API, last page", size, f"{api}?before={ids[50]}", sizes))
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        env = environment(connection.settings_dict, connection.pg_version and str(connection.pg_version))
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()
        teardown_databases(old_config, verbosity=0)

    first, last = f"{sizes.levels[0]:,} PoCs", f"{sizes.levels[-1]:,} PoCs"
    targets = {
        f"My PoCs at {last} / at {first}": growth(rows, "My PoCs (lead sees all)", first, last),
        f"My PoCs by name at {last} / at {first}": growth(rows, "My PoCs, sorted by name", first, last),
        f"My PoCs of a viewer of 3 at {last} / at {first}": growth(rows, "My PoCs (a viewer of 3)", first, last),
        "activity last page / first page": next(r for r in rows if r.name == "activity, last page").ratio
        / next(r for r in rows if r.name == "activity, first page").ratio,
        "activity API last page / first page": next(r for r in rows if r.name == "activity API, last page").ratio
        / next(r for r in rows if r.name == "activity API, first page").ratio,
    }
    print("\nGrowth (ratio to the bare page at the larger size over the same at the smaller; target ≤ "
          f"{TARGET}):")
    missed = []
    for name, value in targets.items():
        ok = value <= TARGET
        print(f"  {name:<52} x{value:5.2f}  {'ok' if ok else 'MISSED'}")
        if not ok:
            missed.append(name)
    elapsed = time.perf_counter() - started
    print(f"\nworker peak RSS {peak_mib:.0f} MiB; {elapsed:.0f} s{' (quick)' if args.quick else ''}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": args.quick, "sizes": asdict(sizes),
        "environment": env, "peak_rss_mib": round(peak_mib, 1), "targets": targets,
        "results": [row.as_dict() for row in rows],
    }, indent=2) + "\n")
    print(f"Results written to {args.output}")
    return 1 if missed and not args.quick else 0


if __name__ == "__main__":
    sys.exit(main())
