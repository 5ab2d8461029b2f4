"""Load under failure: concurrent API clients against gunicorn while database backends are terminated.

    .venv/bin/python -m bench.load [--seconds 60] [--clients 50] [--kill-every 5] [--output var/bench/load.json]

The run creates its own scratch database (``pocportal_load``) on the server ``DATABASE_URL`` names
(or the embedded PostgreSQL), migrates and fills it (one PoC and one API token per client), starts
gunicorn on a free loopback port against it, and runs ``--clients`` threads for ``--seconds``
seconds. Each client loops over a mix of calls on its own PoC: ``/healthz`` (the baseline), reads
(the PoC, the list, its activity) and writes (a PATCH of the sponsor name with a unique value and the
version it last read). Every ``--kill-every`` seconds every backend connected to the scratch
database is terminated (``pg_terminate_backend``). Every request has a timeout and every loop ends
at the deadline.

Reported: the error rate (5xx answers and requests without an answer), p50/p95/p99 of reads and
writes as ratios to ``/healthz`` in the same run, and the audit check: every write answered 200
is in the audit trail, and no write answered with an error is. Writes whose request got no answer
at all are counted apart (either outcome is correct for them). The run fails (exit 1) when the
audit check does not hold. Gunicorn and the scratch database are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
LOAD_DATABASE = os.environ.get("LOAD_DATABASE", "pocportal_load")
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "load.json"
REQUEST_TIMEOUT = 15  # seconds; gunicorn's worker timeout is 30

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
os.environ["DEBUG"] = "false"


@dataclass
class Tally:
    """What every client saw, merged at the end (each client appends to its own lists)."""

    latency: dict[str, list[float]] = field(default_factory=lambda: {"healthz": [], "read": [], "write": []})
    statuses: dict[str, dict[str, int]] = field(default_factory=dict)
    acknowledged: list[str] = field(default_factory=list)  # write markers answered 200
    failed: list[str] = field(default_factory=list)  # write markers answered 4xx/5xx
    unanswered: list[str] = field(default_factory=list)  # write markers whose request got no answer

    def count(self, kind: str, status: str) -> None:
        by_kind = self.statuses.setdefault(kind, {})
        by_kind[status] = by_kind.get(status, 0) + 1

    def merge(self, other: Tally) -> None:
        for kind, values in other.latency.items():
            self.latency[kind] += values
        for kind, counts in other.statuses.items():
            for status, n in counts.items():
                self.statuses.setdefault(kind, {})
                self.statuses[kind][status] = self.statuses[kind].get(status, 0) + n
        self.acknowledged += other.acknowledged
        self.failed += other.failed
        self.unanswered += other.unanswered


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def database_url(settings_dict: dict) -> str:
    user = quote(settings_dict.get("USER") or "", safe="")
    password = quote(settings_dict.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(settings_dict.get("HOST") or "", safe="")
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{settings_dict['NAME']}"


def client_loop(base: str, key: str, poc_id: int, number: int, deadline: float, seed: int) -> Tally:
    """One client: its own session, its own PoC, until the deadline."""
    import requests

    tally = Tally()
    rng = random.Random(seed)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {key}"
    version: int | None = None
    writes = 0

    def call(kind: str, method: str, path: str, **kwargs):
        started = time.perf_counter()
        try:
            response = session.request(method, base + path, timeout=REQUEST_TIMEOUT, **kwargs)
        except requests.RequestException:
            tally.count(kind, "no answer")
            return None
        tally.latency[kind].append(time.perf_counter() - started)
        tally.count(kind, str(response.status_code))
        return response

    while time.monotonic() < deadline:
        draw = rng.random()
        if draw < 0.15:
            call("healthz", "GET", "/healthz")
        elif draw < 0.6 or version is None:
            path = rng.choice([f"/api/v1/pocs/{poc_id}/", "/api/v1/pocs/", f"/api/v1/pocs/{poc_id}/activity/"])
            response = call("read", "GET", path)
            if response is not None and response.status_code == 200 and path.endswith(f"/{poc_id}/"):
                version = response.json()["version"]
        else:
            writes += 1
            marker = f"load-c{number}-w{writes}"
            response = call(
                "write", "PATCH", f"/api/v1/pocs/{poc_id}/", json={"sponsor_name": marker, "version": version}
            )
            if response is None:
                tally.unanswered.append(marker)
                version = None
            elif response.status_code == 200:
                tally.acknowledged.append(marker)
                version = response.json()["version"]
            else:
                tally.failed.append(marker)
                version = response.json().get("current_version") if response.status_code == 409 else None
    session.close()
    return tally


def killer(db_settings: dict, name: str, every: float, stop: threading.Event, kills: list[int]) -> None:
    """Terminates every backend of the scratch database every ``every`` seconds."""
    import psycopg

    params = {
        "dbname": "postgres",
        "user": db_settings.get("USER") or None,
        "password": db_settings.get("PASSWORD") or None,
        "host": db_settings.get("HOST") or None,
        "port": db_settings.get("PORT") or None,
    }
    params = {k: v for k, v in params.items() if v is not None}
    with psycopg.connect(**params, autocommit=True) as conn:
        while not stop.wait(every):
            rows = conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [name],
            ).fetchall()
            kills.append(sum(1 for (ok,) in rows if ok))


def start_gunicorn(url: str, port: int, workers: int, threads: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DATABASE_OWNER_URL": url,
        "DEBUG": "false",
        "HTTPS_ONLY": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "LOG_LEVEL": "ERROR",
        "CACHE_KEY_PREFIX": f"pocportal-load-{os.getpid()}",
    }
    command = [
        sys.executable, "-m", "gunicorn", "pocportal.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--timeout", "30", "--graceful-timeout", "5", "--log-level", "warning",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (our own interpreter and arguments)


def wait_until_up(base: str, seconds: float = 60) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer {base}/healthz within {seconds:.0f} s")


def summarise(tally: Tally, seconds: float, kills: list[int], audit: dict) -> dict:
    total = sum(n for counts in tally.statuses.values() for n in counts.values())
    errors = sum(
        n
        for counts in tally.statuses.values()
        for status, n in counts.items()
        if status == "no answer" or status.startswith("5")
    )
    base = {q: percentile(tally.latency["healthz"], q) for q in (50, 95, 99)}
    latency = {}
    for kind, values in tally.latency.items():
        row = {f"p{q}_ms": round(percentile(values, q) * 1000, 2) for q in (50, 95, 99)}
        row.update({f"p{q}_ratio": round(percentile(values, q) / base[q], 2) for q in (50, 95, 99)})
        row["n"] = len(values)
        latency[kind] = row
    return {
        "requests": total,
        "requests_per_s": round(total / seconds, 1),
        "errors": errors,
        "error_rate": round(errors / total, 4) if total else None,
        "statuses": tally.statuses,
        "latency": latency,
        "terminations": {"rounds": len(kills), "backends": sum(kills)},
        "audit": audit,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--kill-every", type=float, default=5, help="seconds between terminations (0: never)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn worker")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    import django

    django.setup()
    from django.db import connection, connections
    from django.test.utils import setup_databases, teardown_databases

    from apps.accounts.services import token_issue
    from apps.audit.models import AuditEvent
    from bench.run import make_people, make_pocs

    if connection.settings_dict["NAME"] == LOAD_DATABASE:
        print(f"error: the main database is named {LOAD_DATABASE}; the run would drop it.", file=sys.stderr)
        return 2
    connection.settings_dict.setdefault("TEST", {})["NAME"] = LOAD_DATABASE
    print(f"Creating scratch database {LOAD_DATABASE} (migrations)…", flush=True)
    old_config = setup_databases(verbosity=0, interactive=False, serialized_aliases=set(), aliases={"default"})
    server = None
    try:
        settings_dict = dict(connection.settings_dict)
        people = make_people()
        pocs = make_pocs(people, args.clients)
        keys = [token_issue(user=people["lead"], created_from="bench.load")[1] for _ in pocs]
        for conn in connections.all(initialized_only=True):
            conn.close()

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = start_gunicorn(database_url(settings_dict), port, args.workers, args.threads)
        wait_until_up(base)
        print(
            f"{args.clients} clients for {args.seconds:.0f} s against gunicorn ({args.workers}×{args.threads}) "
            f"on {base}, backends terminated every {args.kill_every:g} s…",
            flush=True,
        )
        stop, kills = threading.Event(), []
        if args.kill_every > 0:
            threading.Thread(
                target=killer, args=(settings_dict, LOAD_DATABASE, args.kill_every, stop, kills), daemon=True
            ).start()
        deadline = time.monotonic() + args.seconds
        tallies: list[Tally] = [Tally() for _ in pocs]

        def run(i: int) -> None:
            tallies[i] = client_loop(base, keys[i], pocs[i].pk, i, deadline, seed=i)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(pocs))]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + REQUEST_TIMEOUT + 30)
        elapsed = time.perf_counter() - started
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        server = None

        tally = Tally()
        for one in tallies:
            tally.merge(one)
        recorded = set(
            AuditEvent.objects.filter(table_name="pocs_poc", new_data__sponsor_name__startswith="load-").values_list(
                "new_data__sponsor_name", flat=True
            )
        )
        audit = {
            "acknowledged": len(tally.acknowledged),
            "acknowledged_missing_from_trail": sorted(set(tally.acknowledged) - recorded),
            "failed": len(tally.failed),
            "failed_but_in_trail": sorted(set(tally.failed) & recorded),
            "unanswered": len(tally.unanswered),
            "unanswered_in_trail": len(set(tally.unanswered) & recorded),
        }
        result = summarise(tally, elapsed, kills, audit)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        for conn in connections.all(initialized_only=True):
            conn.close()
        teardown_databases(old_config, verbosity=0)

    print_result(result)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(
        json.dumps(
            {
                "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "seconds": args.seconds,
                "clients": args.clients,
                "kill_every": args.kill_every,
                "workers": args.workers,
                "threads": args.threads,
                **result,
            },
            indent=2,
        )
    )
    print(f"\nwritten to {args.output}")
    audit = result["audit"]
    return 1 if audit["acknowledged_missing_from_trail"] or audit["failed_but_in_trail"] else 0


def print_result(result: dict) -> None:
    print()
    print(
        f"{result['requests']} requests ({result['requests_per_s']}/s); errors (5xx or no answer): "
        f"{result['errors']} = {result['error_rate']:.2%}; "
        f"{result['terminations']['backends']} backends terminated in {result['terminations']['rounds']} rounds"
    )
    print(f"{'':8} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}   ratio to /healthz p50/p95/p99")
    for kind, row in result["latency"].items():
        print(
            f"{kind:8} {row['n']:>6} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8}   "
            f"{row['p50_ratio']:.2f} / {row['p95_ratio']:.2f} / {row['p99_ratio']:.2f}"
        )
    for kind, counts in sorted(result["statuses"].items()):
        print(f"  {kind}: " + ", ".join(f"{status} × {n}" for status, n in sorted(counts.items())))
    audit = result["audit"]
    print(
        f"audit: {audit['acknowledged']} writes answered 200, missing from the trail: "
        f"{len(audit['acknowledged_missing_from_trail'])}; {audit['failed']} answered with an error, in the trail: "
        f"{len(audit['failed_but_in_trail'])}; {audit['unanswered']} without an answer ({audit['unanswered_in_trail']} "
        f"of them stored)"
    )


if __name__ == "__main__":
    sys.exit(main())
