"""Audited writes under concurrency: throughput at 1, 4 and 8 clients, WAL and table bytes per event.

    .venv/bin/python -m bench.audit_load [--seconds 3] [--clients 1,4,8] [--output var/bench/audit_load.json]

The run creates its own scratch database (``pocportal_auditload``) on the server ``DATABASE_URL``
names (or the embedded PostgreSQL), migrates and fills it, measures, and drops it. Each client is a
process of its own with its own connection (loopback), writing for ``--seconds`` seconds to PoCs
no other client writes to, as people working on different PoCs do. Four kinds of write:

- ``raw``: ``UPDATE pocs_poc SET sponsor_name = … WHERE id = …`` in autocommit;
- ``orm``: ``PoC.save(update_fields=["sponsor_name"])``;
- ``poc_update``: ``services.poc_update`` (access check, row lock, version, audit context);
- ``item_update``: ``services.checklist_item_update`` on a kickoff item's notes.

Each runs audited and unaudited (the same code with the two tables' audit triggers disabled for
that phase), phases alternating, at every client count. Reported per phase: writes per second, WAL
bytes per write (``pg_current_wal_lsn()`` before and after; other databases on the same server add
to it) and, for audited phases, the audit table's bytes (heap and indexes) per event. Also counted:
the SQL statements one ``poc_update`` and one ``checklist_item_update`` send.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUDIT_LOAD_DATABASE = os.environ.get("AUDIT_LOAD_DATABASE", "pocportal_auditload")
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "audit_load.json"
KINDS = ("raw", "orm", "poc_update", "item_update")
TABLES = ("pocs_poc", "checklists_checklistitem")

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
os.environ["DEBUG"] = "false"


def fill(pocs: int):
    """People and ``pocs`` PoCs (each with its kickoff checklist); returns the lead's id and the PoC ids."""
    from apps.accounts.models import User
    from apps.pocs import services

    lead = User.objects.create_user("lead@load.test", full_name="Load Lead")
    owner = User.objects.create_user("owner@load.test", full_name="Load Owner")
    ids = []
    for i in range(pocs):
        poc = services.poc_create(
            user=lead,
            name=f"Load PoC {i:03d}",
            description="Classify inbound claims and route them to the right desk. " * 3,
            sponsor_name="Chief Operating Officer",
            lead=lead,
            production_owner=owner,
            decision_maker=owner,
        )
        ids.append(poc.pk)
    return lead.pk, ids


def worker(kind: str, poc_ids: list[int], lead_id: int, seconds: float, start_at, results, tag: int) -> None:
    """Write ``kind`` to ``poc_ids`` in a loop until ``seconds`` after the shared start; report the count."""
    from django.db import connection

    from apps.accounts.models import User
    from apps.checklists.models import ChecklistItem
    from apps.checklists.services.items import checklist_item_update
    from apps.pocs import services
    from apps.pocs.models import PoC

    lead = User.objects.get(pk=lead_id)
    pocs = list(PoC.objects.filter(pk__in=poc_ids).order_by("pk"))
    items = [ChecklistItem.objects.filter(poc_id=pk).order_by("pk").first() for pk in poc_ids]
    cursor = connection.cursor()
    start_at.wait()
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        i = n % len(pocs)
        value = f"{kind} {tag}/{n}"
        if kind == "raw":
            cursor.execute("UPDATE pocs_poc SET sponsor_name = %s WHERE id = %s", [value, pocs[i].pk])
        elif kind == "orm":
            pocs[i].sponsor_name = value
            pocs[i].save(update_fields=["sponsor_name"])
        elif kind == "poc_update":
            pocs[i] = services.poc_update(poc=pocs[i], user=lead, changes={"sponsor_name": value},
                                          version=pocs[i].version)
        else:
            items[i] = checklist_item_update(item=items[i], user=lead, changes={"notes": value},
                                             version=items[i].version)
        n += 1
    cursor.close()
    connection.close()
    results.put(n)


def measure(kind: str, audited: bool, clients: int, seconds: float, poc_ids: list[int], lead_id: int) -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        action = "ENABLE" if audited else "DISABLE"
        for table in TABLES:
            cursor.execute(f'ALTER TABLE "{table}" {action} TRIGGER "audit_{table}"')
        cursor.execute("CHECKPOINT")
        cursor.execute("SELECT pg_current_wal_lsn(), pg_total_relation_size('audit_auditevent'), "
                       "(SELECT count(*) FROM audit_auditevent)")
        lsn_before, bytes_before, events_before = cursor.fetchone()
    connection.close()  # no connection crosses the fork

    ctx = multiprocessing.get_context("fork")
    start_at, results = ctx.Barrier(clients + 1), ctx.Queue()
    procs = [
        ctx.Process(target=worker, args=(kind, poc_ids[c::clients], lead_id, seconds, start_at, results, c))
        for c in range(clients)
    ]
    for p in procs:
        p.start()
    start_at.wait()
    began = time.perf_counter()
    counts = [results.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
        assert p.exitcode == 0, f"a {kind} client failed (exit {p.exitcode})"
    writes = sum(counts)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn), "
                       "pg_total_relation_size('audit_auditevent'), (SELECT count(*) FROM audit_auditevent)",
                       [lsn_before])
        wal, bytes_after, events_after = cursor.fetchone()
    events = events_after - events_before
    if audited:
        assert events >= writes, f"{writes} audited {kind} writes left {events} events"
    else:
        assert events == 0, f"{events} events recorded with the triggers disabled"
    return {
        "kind": kind,
        "audited": audited,
        "clients": clients,
        "writes": writes,
        "writes_per_s": writes / elapsed,
        "wal_bytes_per_write": float(wal) / writes,
        "events": events,
        "table_bytes_per_event": (bytes_after - bytes_before) / events if events else None,
    }


def statements_per_write(poc_id: int, lead_id: int) -> dict:
    """The SQL statements one service write sends, counted with Django's query log."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.accounts.models import User
    from apps.checklists.models import ChecklistItem
    from apps.checklists.services.items import checklist_item_update
    from apps.pocs import services
    from apps.pocs.models import PoC

    lead = User.objects.get(pk=lead_id)
    poc = PoC.objects.get(pk=poc_id)
    item = ChecklistItem.objects.filter(poc_id=poc_id).order_by("pk").first()
    with CaptureQueriesContext(connection) as poc_queries:
        services.poc_update(poc=poc, user=lead, changes={"sponsor_name": "Counted"}, version=poc.version)
    with CaptureQueriesContext(connection) as item_queries:
        checklist_item_update(item=item, user=lead, changes={"notes": "Counted"}, version=item.version)
    return {
        "poc_update": [q["sql"] for q in poc_queries.captured_queries],
        "checklist_item_update": [q["sql"] for q in item_queries.captured_queries],
    }


def report(rows: list[dict], clients: list[int]) -> list[str]:
    lines = [f"{'write':<12} {'clients':>7} {'unaudited/s':>12} {'audited/s':>10} {'ratio':>6} "
             f"{'WAL B/write un':>14} {'WAL B/write au':>14} {'table B/event':>13}"]
    for kind in KINDS:
        for n in clients:
            un = [r for r in rows if r["kind"] == kind and r["clients"] == n and not r["audited"]]
            au = [r for r in rows if r["kind"] == kind and r["clients"] == n and r["audited"]]
            if not un or not au:  # a kind not run (--kinds)
                continue
            un_tps = statistics.median(r["writes_per_s"] for r in un)
            au_tps = statistics.median(r["writes_per_s"] for r in au)
            un_wal = statistics.median(r["wal_bytes_per_write"] for r in un)
            au_wal = statistics.median(r["wal_bytes_per_write"] for r in au)
            per_event = statistics.median(r["table_bytes_per_event"] or 0 for r in au)
            lines.append(f"{kind:<12} {n:>7} {un_tps:>12,.0f} {au_tps:>10,.0f} {au_tps / un_tps:>6.2f} "
                         f"{un_wal:>14,.0f} {au_wal:>14,.0f} {per_event:>13,.0f}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds per phase (default 3)")
    parser.add_argument("--clients", default="1,4,8", help="client counts (default 1,4,8)")
    parser.add_argument("--rounds", type=int, default=1, help="audited/unaudited pairs per kind and count")
    parser.add_argument("--pocs", type=int, default=64, help="PoCs written to, shared out among the clients")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"which writes (default {','.join(KINDS)})")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON results")
    args = parser.parse_args(argv)
    clients = [int(c) for c in args.clients.split(",")]
    kinds = [k for k in args.kinds.split(",") if k]

    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    if connection.settings_dict["NAME"] == AUDIT_LOAD_DATABASE:
        print(f"error: the main database is named {AUDIT_LOAD_DATABASE}; the run would drop it.", file=sys.stderr)
        return 2
    connection.settings_dict.setdefault("TEST", {})["NAME"] = AUDIT_LOAD_DATABASE
    print(f"Creating scratch database {AUDIT_LOAD_DATABASE} (migrations)…", flush=True)
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set(), aliases={"default"})
    rows = []
    try:
        lead_id, poc_ids = fill(args.pocs)
        statements = statements_per_write(poc_ids[0], lead_id)
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'audit_auditevent' ORDER BY 1")
            indexes = [name for (name,) in cursor.fetchall()]
        for kind in kinds:
            for n in clients:
                for r in range(args.rounds):
                    for audited in ((False, True) if r % 2 == 0 else (True, False)):
                        row = measure(kind, audited, n, args.seconds, poc_ids, lead_id)
                        rows.append(row)
                        label = "audited" if audited else "unaudited"
                        print(f"  {kind:<12} {n} clients {label:>9}: {row['writes_per_s']:,.0f}/s, "
                              f"{row['wal_bytes_per_write']:,.0f} WAL B/write", flush=True)
    finally:
        connections.close_all()
        teardown_databases(old_config, verbosity=0)
    print()
    for line in report(rows, clients):
        print(line)
    for name, sqls in statements.items():
        print(f"statements per {name}: {len(sqls)}")
    print(f"indexes on audit_auditevent: {', '.join(indexes)}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "seconds": args.seconds,
                                       "results": rows, "statements": statements,
                                       "indexes": indexes}, indent=2) + "\n")
    print(f"Results written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
