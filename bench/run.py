"""Measure the portal's costly paths, each as a ratio against a baseline measured in the same run.

    .venv/bin/python -m bench.run [--quick] [--rounds 5] [--output var/bench/results.json]

The run creates its own scratch database (``pocportal_bench``) on the server ``DATABASE_URL``
names, or on the embedded PostgreSQL when it is unset, migrates it, fills it, measures, and drops
it at the end; the main database is never written. Baseline and measured loops alternate round by
round so that drift on the machine hits both; every figure is the median of the rounds, with the
spread (half the min–max range, relative to the median) beside it.

Measured:

1. audited writes: single-row ``UPDATE pocs_poc SET sponsor_name`` in autocommit against the same on
   an un-audited copy of the table; ``services.poc_update`` against an ORM ``save``;
2. ``verify_chain`` over the whole trail against reading the same rows with the same query;
3. pages (overview, kickoff, activity, API list) through ``django.test.Client`` against
   ``/healthz`` through the same client, and the peak memory of the activity page. Each page's
   HTML size and number of form controls (input, select, textarea, button) are counted too; the
   kickoff page's are pinned (``PAGE_PINS``): the run fails when a change makes it heavier.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "pocportal_bench")
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "results.json"

# The production configuration: no debug query log, no template instrumentation.
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
os.environ["DEBUG"] = "false"


@dataclass
class Sizes:
    pocs: int = 50  # PoCs the lead sees: one full API page
    raw_updates: int = 2000  # per round, per table
    service_updates: int = 300  # per round, service and ORM each
    events: int = 20_000  # audit events verify_chain walks
    activity_events: int = 500  # audit events on the PoC whose activity page is read
    requests: int = 20  # per round, per page (and as many for healthz)
    memory_rounds: int = 5


QUICK = Sizes(pocs=50, raw_updates=300, service_updates=60, events=5000, activity_events=500, requests=5,
              memory_rounds=3)


@dataclass
class Row:
    """One comparison. Values are per-operation costs (seconds or bytes) for each round."""

    name: str
    kind: str  # "time" (seconds per op), "rate" (seconds per event, shown as events/s), "memory" (bytes)
    baseline_name: str
    baseline: list[float]
    measured: list[float]
    n: int
    rounds: int
    note: str = ""
    facts: dict | None = None  # counted, not timed (a page's bytes and form controls)

    @property
    def baseline_median(self) -> float:
        return statistics.median(self.baseline)

    @property
    def measured_median(self) -> float:
        return statistics.median(self.measured)

    @property
    def ratio(self) -> float:
        """Cost of the measured path over the baseline's (2.0 = twice the time or memory)."""
        return self.measured_median / self.baseline_median

    @property
    def ratio_range(self) -> tuple[float, float]:
        paired = [m / b for m, b in zip(self.measured, self.baseline, strict=True)]
        return min(paired), max(paired)

    def as_dict(self) -> dict:
        data = asdict(self)
        data.update(
            baseline_median=self.baseline_median,
            measured_median=self.measured_median,
            baseline_spread=spread(self.baseline),
            measured_spread=spread(self.measured),
            ratio=round(self.ratio, 3),
            ratio_range=[round(r, 3) for r in self.ratio_range],
            unit={"time": "seconds per operation", "rate": "seconds per event", "memory": "bytes peak"}[self.kind],
        )
        if self.kind == "rate":
            data.update(baseline_events_per_s=1 / self.baseline_median, measured_events_per_s=1 / self.measured_median)
        return data


def spread(values: list[float]) -> float:
    """Half the min–max range, relative to the median."""
    return (max(values) - min(values)) / 2 / statistics.median(values)


def show(kind: str, values: list[float]) -> str:
    value, pm = statistics.median(values), f"±{spread(values) * 100:.0f}%"
    if kind == "rate":
        return f"{1 / value:,.0f} ev/s {pm}"
    if kind == "memory":
        return f"{value / 1024:,.0f} KiB {pm}"
    if value < 1e-3:
        return f"{value * 1e6:,.0f} µs {pm}"
    return f"{value * 1e3:,.2f} ms {pm}"


def alternate(rounds: int, baseline: Callable[[int], float], measured: Callable[[int], float]):
    """Run both ``rounds`` times, alternating which goes first; each returns a cost per operation."""
    base, meas = [], []
    for r in range(rounds):
        pair = ((base, baseline), (meas, measured))
        for into, fn in pair if r % 2 == 0 else reversed(pair):
            gc.collect()
            into.append(fn(r))
    return base, meas


# --- Data -----------------------------------------------------------------------------------------------


def make_people():
    from apps.accounts.models import User

    def person(role: str) -> User:
        return User.objects.create_user(f"{role}@bench.test", full_name=f"Bench {role.replace('_', ' ').title()}")

    return {role: person(role) for role in ("lead", "contributor", "viewer", "production_owner", "decision_maker")}


def make_pocs(people, count: int):
    """``count`` PoCs through the service, each with its kickoff checklist, two members and a sponsor."""
    from apps.pocs import services

    pocs = []
    for i in range(count):
        poc = services.poc_create(
            user=people["lead"],
            name=f"Bench PoC {i:03d}",
            description="Classify inbound claims and route them to the right desk. " * 3,
            sponsor_name="Chief Operating Officer",
            lead=people["lead"],
            production_owner=people["production_owner"],
            decision_maker=people["decision_maker"],
        )
        services.membership_add(poc=poc, user=people["lead"], member=people["contributor"], role="contributor")
        services.membership_add(poc=poc, user=people["lead"], member=people["viewer"], role="viewer")
        pocs.append(poc)
    return pocs


def add_events(poc_ids: list[int], count: int, *, user=None) -> None:
    """``count`` audited updates spread over ``poc_ids``, in one statement (attributed to ``user``)."""
    from django.db import connection

    from apps.audit.context import audited

    if count <= 0:
        return
    with audited(user), connection.cursor() as cursor:
        # A DO block takes no parameters: hand them over as transaction-local settings.
        cursor.execute(
            "SELECT set_config('bench.ids', %s, true), set_config('bench.count', %s, true)",
            ["{" + ",".join(str(pk) for pk in poc_ids) + "}", str(count)],
        )
        cursor.execute(
            """
            DO $$
            DECLARE
                ids bigint[] := current_setting('bench.ids')::bigint[];
                i int;
            BEGIN
                FOR i IN 1..current_setting('bench.count')::int LOOP
                    UPDATE pocs_poc
                       SET sponsor_name = 'Sponsor ' || i,
                           description = CASE WHEN i % 3 = 0 THEN 'Scope, revision ' || i ELSE description END
                     WHERE id = ids[1 + (i % array_length(ids, 1))];
                END LOOP;
            END $$
            """
        )


def event_count(poc_id: int | None = None) -> int:
    from apps.audit.models import AuditEvent

    qs = AuditEvent.objects.all() if poc_id is None else AuditEvent.objects.filter(poc_id=poc_id)
    return qs.count()


# --- 1. Audited writes ----------------------------------------------------------------------------------


def bench_writes(sizes: Sizes, rounds: int, pocs, people) -> list[Row]:
    from django.db import connection

    from apps.pocs import services

    assert connection.get_autocommit(), "the write loops must run in autocommit"
    ids = [p.pk for p in pocs]
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_poc_copy (LIKE pocs_poc INCLUDING ALL)")
        cursor.execute("INSERT INTO bench_poc_copy SELECT * FROM pocs_poc WHERE id = ANY(%s)", [ids])
        cursor.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'bench_poc_copy'::regclass AND NOT tgisinternal"
        )
        assert cursor.fetchone()[0] == 0, "the copy must carry no trigger"
        cursor.execute("ANALYZE bench_poc_copy; ANALYZE pocs_poc; ANALYZE audit_auditevent")

    def raw(table: str):
        sql = f"UPDATE {table} SET sponsor_name = %s WHERE id = %s"  # noqa: S608 (two fixed table names)

        def run(r: int) -> float:
            n = sizes.raw_updates
            with connection.cursor() as cursor:
                start = time.perf_counter()
                for i in range(n):
                    cursor.execute(sql, [f"Sponsor r{r} #{i}", ids[i % len(ids)]])
                return (time.perf_counter() - start) / n

        return run

    before = event_count()
    copy_cost, audited_cost = alternate(rounds, raw("bench_poc_copy"), raw("pocs_poc"))
    recorded = event_count() - before
    assert recorded == rounds * sizes.raw_updates, f"expected one event per audited update, got {recorded}"

    lead = people["lead"]
    current = {p.pk: p for p in pocs}

    def via_service(r: int) -> float:
        n = sizes.service_updates
        start = time.perf_counter()
        for i in range(n):
            pk = ids[i % len(ids)]
            poc = current[pk]
            current[pk] = services.poc_update(
                poc=poc, user=lead, changes={"sponsor_name": f"Service r{r} #{i}"}, version=poc.version
            )
        return (time.perf_counter() - start) / n

    def via_orm(r: int) -> float:
        n = sizes.service_updates
        start = time.perf_counter()
        for i in range(n):
            poc = current[ids[i % len(ids)]]
            poc.sponsor_name = f"ORM r{r} #{i}"
            poc.save(update_fields=["sponsor_name"])
        return (time.perf_counter() - start) / n

    orm_cost, service_cost = alternate(rounds, via_orm, via_service)
    return [
        Row("UPDATE pocs_poc (audited, autocommit)", "time", "same on un-audited copy", copy_cost, audited_cost,
            sizes.raw_updates, rounds, "one audit event per update: trigger + per-PoC advisory lock + chained sha256"),
        Row("services.poc_update", "time", "ORM save(update_fields)", orm_cost, service_cost,
            sizes.service_updates, rounds, "both audited; difference = access check, lock, version, context"),
    ]


# --- 2. verify_audit --------------------------------------------------------------------------------------


def read_only(batch_size: int = 2000) -> int:
    """``verify_chain``'s reads without its hashing: the same reader, the same batches."""
    from apps.audit.verify import event_batches

    return sum(len(rows) for rows in event_batches(batch_size))


def bench_verify(sizes: Sizes, rounds: int, filler_ids: list[int]) -> list[Row]:
    from apps.audit.verify import verify_chain

    add_events(filler_ids, sizes.events - event_count())
    total = event_count()

    def verify(_r: int) -> float:
        start = time.perf_counter()
        report = verify_chain()
        elapsed = time.perf_counter() - start
        assert report.ok and report.checked == total, report
        return elapsed / total

    def read(_r: int) -> float:
        start = time.perf_counter()
        assert read_only() == total
        return (time.perf_counter() - start) / total

    read_cost, verify_cost = alternate(rounds, read, verify)
    return [Row("verify_chain()", "rate", "same SELECT, no hashing", read_cost, verify_cost, total, rounds,
                "ratio = time per event (hashing + checks over reading)")]


# --- 3. Pages ---------------------------------------------------------------------------------------------


def make_client(user):
    from django.conf import settings
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    client = Client(raise_request_exception=True)
    client.force_login(user)
    return client


def get(client, path: str, expect: int = 200):
    # secure=True: production settings redirect plain HTTP to HTTPS.
    response = client.get(path, secure=True)
    assert response.status_code == expect, f"GET {path} answered {response.status_code}"
    return response


FORM_CONTROL = re.compile(rb"<(input|select|textarea|button)\b", re.IGNORECASE)

# Ceilings on what a page sends, for the lead of the benchmark's PoC (15 kickoff items). The kickoff
# page shows one line per item and opens a form only when asked, and must stay that way: when it
# rendered every item's form it sent 78,670 bytes with 280 form controls in 9 queries; as rows,
# 27,303 bytes, 3 controls (the page chrome's), 8 queries.
PAGE_PINS = {
    "GET /pocs/<id>/kickoff/": {"html_bytes": 32_000, "form_controls": 5, "queries": 8},
}


def page_facts(html: bytes) -> dict:
    """What a page weighs without timing it: bytes of HTML and the form controls in it."""
    return {"html_bytes": len(html), "form_controls": len(FORM_CONTROL.findall(html))}


def bench_pages(sizes: Sizes, rounds: int, target, people) -> list[Row]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = make_client(people["lead"])
    listed = get(client, "/api/v1/pocs/").json()
    assert len(listed["results"]) == sizes.pocs, f"the API lists {len(listed['results'])} PoCs"
    pages = [
        ("GET /pocs/<id>/ (overview)", f"/pocs/{target.pk}/", ""),
        ("GET /pocs/<id>/kickoff/", f"/pocs/{target.pk}/kickoff/", ""),
        ("GET /pocs/<id>/activity/", f"/pocs/{target.pk}/activity/", f"{event_count(target.pk)} events on the PoC"),
        ("GET /api/v1/pocs/", "/api/v1/pocs/", f"{sizes.pocs} PoCs on the page"),
    ]

    def timed(path: str) -> Callable[[int], float]:
        def run(_r: int) -> float:
            n = sizes.requests
            start = time.perf_counter()
            for _ in range(n):
                get(client, path)
            return (time.perf_counter() - start) / n

        return run

    rows = []
    for name, path, note in pages:
        for _ in range(3):  # warm caches: templates, URL resolver, the plan cache
            get(client, path)
            get(client, "/healthz")
        with CaptureQueriesContext(connection) as queries:
            counted = {**page_facts(get(client, path).content), "queries": 0}
        counted["queries"] = len(queries)
        facts = (f"{counted['queries']} queries, {counted['html_bytes'] / 1024:,.1f} KiB of response, "
                 f"{counted['form_controls']} form controls")
        base, meas = alternate(rounds, timed("/healthz"), timed(path))
        rows.append(Row(name, "time", "GET /healthz", base, meas, sizes.requests, rounds,
                        f"{facts}; {note}" if note else facts, facts=counted))

    def peak(path: str) -> Callable[[int], float]:
        def run(_r: int) -> float:
            tracemalloc.reset_peak()
            floor = tracemalloc.get_traced_memory()[0]
            response = get(client, path)
            top = tracemalloc.get_traced_memory()[1] - floor
            del response
            return float(top)

        return run

    activity = pages[2][1]
    tracemalloc.start()
    try:
        base, meas = alternate(sizes.memory_rounds, peak("/healthz"), peak(activity))
    finally:
        tracemalloc.stop()
    rows.append(Row("peak memory, GET /pocs/<id>/activity/", "memory", "GET /healthz", base, meas, 1,
                    sizes.memory_rounds, f"tracemalloc peak; {pages[2][2]}"))
    return rows


def over_pins(rows: list[Row]) -> list[str]:
    """Each counted fact of a pinned page that exceeds its ceiling, in words."""
    found = []
    for row in rows:
        for fact, ceiling in PAGE_PINS.get(row.name, {}).items():
            value = (row.facts or {}).get(fact)
            if value is not None and value > ceiling:
                found.append(f"{row.name}: {fact} = {value:,}, pinned at most {ceiling:,}")
    return found


# --- Running ----------------------------------------------------------------------------------------------


def print_table(rows: list[Row]) -> None:
    header = ("benchmark", "baseline", "baseline value", "measured", "ratio (per-round range)", "N × rounds")
    lines = [
        (
            r.name,
            r.baseline_name,
            show(r.kind, r.baseline),
            show(r.kind, r.measured),
            f"{r.ratio:.2f}× ({r.ratio_range[0]:.2f}–{r.ratio_range[1]:.2f})",
            f"{r.n:,} × {r.rounds}",
        )
        for r in rows
    ]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    print(fmt.format(*header))
    print("  ".join("-" * w for w in widths))
    for line in lines:
        print(fmt.format(*line))
    for r in rows:
        if r.note:
            print(f"  {r.name}: {r.note}")


def environment(settings_dict: dict, server_version: str) -> dict:
    try:
        commit = subprocess.run(  # noqa: S603
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False  # noqa: S607
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "database": "DATABASE_URL" if os.environ.get("DATABASE_URL") else "embedded PostgreSQL",
        "host": settings_dict.get("HOST") or "",
        "postgresql": server_version,
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "commit": commit,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="rounds per comparison (default 5, quick 3)")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON results")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else Sizes()
    rounds = args.rounds or (3 if args.quick else 5)

    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    main_name = connection.settings_dict["NAME"]
    if main_name == BENCH_DATABASE:
        print(f"error: the main database is named {BENCH_DATABASE}; the benchmark would drop it.", file=sys.stderr)
        return 2
    connection.settings_dict.setdefault("TEST", {})["NAME"] = BENCH_DATABASE
    started = time.perf_counter()
    print(f"Creating scratch database {BENCH_DATABASE} (migrations)…", flush=True)
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set(), aliases={"default"})
    try:
        assert connection.settings_dict["NAME"] == BENCH_DATABASE
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database(), current_setting('server_version')")
            current, server_version = cursor.fetchone()
        assert current == BENCH_DATABASE, current
        print(f"Filling it: {sizes.pocs} PoCs, {sizes.activity_events} events on one…", flush=True)
        people = make_people()
        pocs = make_pocs(people, sizes.pocs)
        target, others = pocs[0], pocs[1:]
        add_events([target.pk], sizes.activity_events - event_count(target.pk), user=people["lead"])
        rows: list[Row] = []
        print("1/3 audited writes…", flush=True)
        rows += bench_writes(sizes, rounds, others, people)
        print("2/3 verify_chain…", flush=True)
        rows += bench_verify(sizes, rounds, [p.pk for p in others])
        print("3/3 pages…", flush=True)
        rows += bench_pages(sizes, rounds, target, people)
        env = environment(connection.settings_dict, server_version)
    finally:
        for conn in connections.all(initialized_only=True):
            conn.close()
        teardown_databases(old_config, verbosity=0)
    elapsed = time.perf_counter() - started

    print()
    print_table(rows)
    print(f"\n{env['database']} (PostgreSQL {env['postgresql']}), Python {env['python']}, {env['machine']}; "
          f"{elapsed:.0f} s{' (quick)' if args.quick else ''}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "quick": args.quick,
                "seconds": round(elapsed, 1),
                "sizes": asdict(sizes),
                "environment": env,
                "results": [r.as_dict() for r in rows],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"Results written to {args.output}")
    heavier = over_pins(rows)
    for line in heavier:
        print(f"error: {line}", file=sys.stderr)
    return 1 if heavier else 0


if __name__ == "__main__":
    sys.exit(main())
