"""Benchmark of a live run's calls: 10,000 items against a zero-latency endpoint on loopback, concurrency 16.

    .venv/bin/python -m bench.harness [--items 10000] [--concurrency 16] [--rounds 5] [--output var/bench/harness.json]

The endpoint is a minimal asyncio HTTP/1.1 server (keep-alive, a fixed JSON reply) in a process
of its own. Measured in the same run, alternating round by round, medians reported:

- the harness: ``apps.evaluations.harness.Engine`` with the bodies built by ``request_bodies``
  and replies read by ``response_reader`` (JSON parsed, the prediction taken at
  ``prediction``), counting in-flight requests, latencies and error kinds, in its own thread as
  the job runs it;
- the floor: a bare asyncio loop doing the same requests over as many kept-alive connections,
  with no bookkeeping (write the request, read the headers and the body, nothing parsed).

Target: the harness's throughput ≥ 0.8 × the floor's. Also reported: the time to turn the
calls into the results file and compute it (``compute.parse`` → ``validate`` → ``compute``),
which the job adds after the calls.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "harness.json"
TARGET = 0.8
REPLY = b'{"prediction": "a"}'
RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(REPLY), REPLY)


def serve(port_queue) -> None:
    """A zero-latency endpoint: answers every request on a kept-alive connection at once."""

    async def handle(reader, writer):
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                writer.write(RESPONSE)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
        port_queue.put(server.sockets[0].getsockname()[1])
        async with server:
            await server.serve_forever()

    asyncio.run(main())


async def floor(port: int, bodies: list[bytes], concurrency: int) -> float:
    """The same requests from a bare asyncio loop: throughput per second."""
    head = (b"POST /predict HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: application/json\r\n" % port)
    queue = iter(range(len(bodies)))

    async def worker():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for index in queue:
            body = bodies[index]
            writer.write(head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
            headers = await reader.readuntil(b"\r\n\r\n")
            length = int(headers.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
        writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return len(bodies) / (time.perf_counter() - start)


def harness_round(port: int, inputs: list[str], concurrency: int):
    from apps.evaluations import harness
    from apps.evaluations.endpoints import Destination

    destination = Destination("http", "127.0.0.1", port, "/predict", ["127.0.0.1"])
    bodies = harness.request_bodies("http_json", model="", template={"text": "{{input}}"}, inputs=inputs)
    engine = harness.Engine(destination, {"Authorization": "Bearer bench"}, bodies,
                            harness.response_reader("http_json", "prediction"),
                            harness.Limits(concurrency=concurrency, timeout_s=30, max_reply_bytes=1 << 20,
                                           deadline_s=600))
    thread = engine.run_in_thread()
    while thread.is_alive():  # the job's thread looks at the run 4 times a second meanwhile
        thread.join(0.25)
    if engine.failure is not None:
        raise engine.failure
    errors = sum(1 for call in engine.calls if call is None or call.error)
    if errors:
        raise SystemExit(f"the harness recorded {errors} failed calls against the bench endpoint")
    return engine, len(bodies) / engine.elapsed_s


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pocportal.settings")
    import django

    django.setup()  # the results file is built by the job's own code (no database is used here)
    from apps.evaluations import compute, harness, services

    ports = multiprocessing.get_context("spawn").Queue()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(ports,), daemon=True)
    server.start()
    try:
        port = ports.get(timeout=30)
        inputs = [f"Item {i}: is this claim in scope?" for i in range(args.items)]
        floor_bodies = harness.request_bodies("http_json", model="", template={"text": "{{input}}"}, inputs=inputs)
        asyncio.run(floor(port, floor_bodies[:500], args.concurrency))  # warm up both sides
        harness_round(port, inputs[:500], args.concurrency)
        floors, harnesses = [], []
        engine = None
        for _ in range(args.rounds):
            floors.append(asyncio.run(floor(port, floor_bodies, args.concurrency)))
            engine, per_s = harness_round(port, inputs, args.concurrency)
            harnesses.append(per_s)
    finally:
        server.terminate()
        server.join(5)

    items = [(str(i), inputs[i], "a", "") for i in range(args.items)]
    start = time.perf_counter()
    results_file, calls_file = services._harness_files(items, engine.calls, match="casefold")
    table = compute.parse(results_file, filename="results.jsonl")
    results = compute.compute(compute.validate(table), resamples=2000, seed=0)
    after_s = time.perf_counter() - start
    stats = harness.summary(engine.calls, elapsed_s=engine.elapsed_s, max_in_flight=engine.max_in_flight)

    floor_median, harness_median = statistics.median(floors), statistics.median(harnesses)
    ratio = harness_median / floor_median
    report = {
        "items": args.items, "concurrency": args.concurrency, "rounds": args.rounds,
        "floor_per_s": floor_median, "harness_per_s": harness_median, "ratio": ratio, "target": TARGET,
        "floor_rounds": floors, "harness_rounds": harnesses, "max_in_flight": stats["max_in_flight"],
        "latency_p50_ms": results["latency"]["p50"]["value"], "latency_p99_ms": results["latency"]["p99"]["value"],
        "results_and_compute_s": after_s, "passed": ratio >= TARGET,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2))
    print(f"live run calls, {args.items:,} items at concurrency {args.concurrency} on loopback "
          f"(median of {args.rounds} rounds)")
    print(f"  floor (bare asyncio loop): {floor_median:,.0f} requests/s")
    print(f"  harness (Engine):          {harness_median:,.0f} requests/s   ratio {ratio:.2f} (target ≥ {TARGET})")
    print(f"  in flight at most {stats['max_in_flight']}, latency p50 {report['latency_p50_ms']:.2f} ms, "
          f"p99 {report['latency_p99_ms']:.2f} ms; results file + compute {after_s:.2f} s")
    print(f"  written to {args.output}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
