"""The calls of a live evaluation run: an asyncio loop of HTTP/1.1 requests, bounded in every way, no Django.

``Engine(destination, …).run_in_thread()`` starts the loop in a thread of its own; the job's
thread meanwhile records progress and looks at the cancel flag (``Engine.stop()`` ends it).
Bounds: at most ``concurrency`` requests in flight (one worker and one kept-alive connection per
slot), at most ``rate_per_s`` requests started per second (a token bucket of one token, so the
server never sees a burst), one request per item (no retries), a reply read up to
``max_reply_bytes`` (beyond: error ``too_large``, the connection dropped), each request within
``timeout_s`` from connecting to the reply's last byte, and the whole run within ``deadline_s``.
Redirects are never followed: a 3xx answer is the error ``redirect``.

Connections go to the addresses checked by ``endpoints.checked_destination`` (TLS with the host
name for SNI and certificate checks, against the system's authorities and ``MODEL_ENDPOINT_CA_FILE``),
never to a second lookup of the name.

A call's latency is measured on the client: from writing the request to reading the reply's
last byte (connecting is not part of it). Error kinds: ``timeout``, ``http_status`` (with the
status), ``redirect``, ``unparsable`` (no prediction at ``response_path``), ``too_large``,
``connection``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

TIMEOUT, HTTP_STATUS, REDIRECT, UNPARSABLE, TOO_LARGE, CONNECTION = (
    "timeout", "http_status", "redirect", "unparsable", "too_large", "connection",
)
ERROR_KINDS = (TIMEOUT, HTTP_STATUS, REDIRECT, UNPARSABLE, TOO_LARGE, CONNECTION)
HEADER_LIMIT = 64 * 1024
PLACEHOLDER = "{{input}}"


@dataclass(slots=True)
class Call:
    """One item's call: the prediction, or the error kind (and HTTP status when there was one)."""

    index: int
    prediction: str | None = None
    latency_ms: float | None = None
    error: str = ""
    status: int | None = None


@dataclass
class Limits:
    concurrency: int
    timeout_s: float
    max_reply_bytes: int
    deadline_s: float
    rate_per_s: float | None = None


class _Failed(Exception):
    def __init__(self, kind: str, status: int | None = None):
        super().__init__(kind)
        self.kind, self.status = kind, status


def request_bodies(kind: str, *, model: str, template, inputs: list[str]) -> list[bytes]:
    """The request body of each input: an OpenAI chat completion, or the JSON template with the input
    JSON-escaped in place of ``{{input}}``."""
    if kind == "openai_chat":
        return [json.dumps({"model": model, "messages": [{"role": "user", "content": text}]}).encode()
                for text in inputs]
    text = json.dumps(template)
    before, _, after = text.partition(PLACEHOLDER)
    rest = after.split(PLACEHOLDER)
    bodies = []
    for value in inputs:
        escaped = json.dumps(value)[1:-1]
        bodies.append((before + escaped + escaped.join(rest)).encode() if _ else text.encode())
    return bodies


def response_reader(kind: str, path: str) -> Callable[[bytes], str]:
    """A function reading the prediction (text) from a reply's body; ``_Failed(unparsable)`` when it cannot."""
    steps = ["choices", "0", "message", "content"] if kind == "openai_chat" else [s for s in path.split(".") if s]

    def read(body: bytes) -> str:
        try:
            value = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise _Failed(UNPARSABLE) from None
        for step in steps:
            if isinstance(value, list) and step.lstrip("-").isdigit():
                index = int(step)
                value = value[index] if -len(value) <= index < len(value) else None
            elif isinstance(value, dict):
                value = value.get(step)
            else:
                value = None
            if value is None:
                raise _Failed(UNPARSABLE)
        if isinstance(value, bool):
            value = "true" if value else "false"
        if not isinstance(value, str | int | float) or not str(value).strip():
            raise _Failed(UNPARSABLE)
        return str(value).strip()

    return read


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    """Certificates checked against the system's trusted authorities and, when given, those in ``ca_file``
    (PEM: a company's own authority, for a model served inside the network); host names always checked."""
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context


class Engine:
    """Send one request per body to ``destination`` within ``limits``; ``calls`` holds what came back."""

    def __init__(self, destination, headers: dict[str, str], bodies: list[bytes], read: Callable[[bytes], str],
                 limits: Limits, *, ca_file: str = ""):
        self.destination = destination
        self.bodies = bodies
        self.read = read
        self.limits = limits
        self.calls: list[Call | None] = [None] * len(bodies)
        self.done = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.started = 0
        self.elapsed_s = 0.0
        self.stopped_by = ""  # "" | "cancel" | "deadline"
        self._next = 0
        self._stop = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task] = []
        extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        self._head = (
            f"POST {destination.target} HTTP/1.1\r\nHost: {destination.host_header}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\nUser-Agent: pocportal-harness\r\n{extra}"
        ).encode("latin-1")
        self._ssl = tls_context(ca_file) if destination.tls else None
        self._next_start = 0.0
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None

    # --- control, from the job's thread ---------------------------------------------------------------------

    def run_in_thread(self) -> threading.Thread:
        def main():
            try:
                asyncio.run(self.run())
            except BaseException as error:  # reported by the job's thread
                self.failure = error

        self._thread = threading.Thread(target=main, name="harness-calls", daemon=True)
        self._thread.start()
        return self._thread

    def stop(self, reason: str = "cancel") -> None:
        """Start no new request, and abandon those in flight."""
        if not self._stop.is_set():
            self.stopped_by = self.stopped_by or reason
            self._stop.set()
            loop = self._loop
            if loop is not None and not loop.is_closed():
                with contextlib.suppress(RuntimeError):  # the loop closed meanwhile: nothing left to cancel
                    loop.call_soon_threadsafe(self._cancel_tasks)

    def _cancel_tasks(self) -> None:
        for task in self._tasks:
            task.cancel()

    # --- the loop -------------------------------------------------------------------------------------------

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        start = time.perf_counter()
        self._next_start = start
        workers = max(1, min(self.limits.concurrency, len(self.bodies) or 1))
        self._deadlines = [0.0] * workers
        self._expired = [False] * workers
        self._tasks = [asyncio.create_task(self._worker(slot)) for slot in range(workers)]
        watchdog = asyncio.create_task(self._watchdog())
        try:
            await asyncio.wait_for(asyncio.gather(*self._tasks, return_exceptions=True), self.limits.deadline_s)
        except TimeoutError:
            self.stopped_by = self.stopped_by or "deadline"
            self._stop.set()
            self._cancel_tasks()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            watchdog.cancel()
        self.elapsed_s = time.perf_counter() - start

    async def _watchdog(self) -> None:
        """Time each request out: one timer for the whole run instead of one per request (a request may run
        up to a tick past its ``timeout_s``)."""
        tick = min(0.05, self.limits.timeout_s / 10)
        while True:
            await asyncio.sleep(tick)
            now = time.perf_counter()
            for slot, deadline in enumerate(self._deadlines):
                if deadline and now > deadline and not self._expired[slot]:
                    self._expired[slot] = True
                    self._tasks[slot].cancel()

    async def _take_token(self) -> bool:
        rate = self.limits.rate_per_s
        now = time.perf_counter()
        at = max(now, self._next_start)
        self._next_start = at + 1.0 / rate
        while (wait := at - time.perf_counter()) > 0:
            if self._stop.is_set():
                return False
            await asyncio.sleep(min(wait, 0.1))
        return not self._stop.is_set()

    async def _worker(self, slot: int) -> None:
        connection = None
        timeout = self.limits.timeout_s
        rated = bool(self.limits.rate_per_s)
        bodies = len(self.bodies)
        try:
            while not self._stop.is_set() and self._next < bodies:
                index = self._next
                self._next += 1
                if rated and not await self._take_token():
                    return
                self.started += 1
                self.in_flight += 1
                if self.in_flight > self.max_in_flight:
                    self.max_in_flight = self.in_flight
                call = Call(index)
                try:
                    self._deadlines[slot] = time.perf_counter() + timeout
                    try:
                        connection, status, body, call.latency_ms = await self._exchange(connection, index)
                    except asyncio.CancelledError:
                        if not self._expired[slot] or self._stop.is_set():
                            raise
                        asyncio.current_task().uncancel()
                        raise TimeoutError from None
                    finally:
                        self._deadlines[slot] = 0.0
                        self._expired[slot] = False
                    call.status = status
                    if status >= 300 or status < 200:
                        raise _Failed(REDIRECT if 300 <= status < 400 else HTTP_STATUS, status)
                    call.prediction = self.read(body)
                except _Failed as failed:
                    call.error, call.status = failed.kind, failed.status or call.status
                    if failed.kind in (TOO_LARGE, CONNECTION):
                        connection = _close(connection)
                except TimeoutError:
                    call.error, connection = TIMEOUT, _close(connection)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ssl.SSLError):
                    call.error, connection = CONNECTION, _close(connection)
                finally:
                    self.in_flight -= 1
                self.calls[index] = call
                self.done += 1
        finally:
            _close(connection)

    async def _connect(self):
        last: Exception | None = None
        for address in self.destination.addresses:
            try:
                return await asyncio.open_connection(
                    address, self.destination.port, ssl=self._ssl,
                    server_hostname=self.destination.host if self._ssl else None, limit=HEADER_LIMIT,
                )
            except OSError as error:
                last = error
        raise last or OSError("no address")

    async def _exchange(self, connection, index: int):
        body = self.bodies[index]
        for attempt in (0, 1):  # a kept-alive connection the server closed meanwhile is opened again once
            fresh = connection is None
            if fresh:
                connection = await self._connect()
            reader, writer = connection
            begin = time.perf_counter()
            try:
                writer.write(self._head + b"Content-Length: %d\r\n\r\n" % len(body) + body)
                status, reply, keep = await self._response(reader)
            except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError):
                _close(connection)
                connection = None
                if fresh or attempt:
                    raise
                continue
            latency = (time.perf_counter() - begin) * 1000
            if not keep:
                connection = _close(connection)
            return connection, status, reply, latency
        raise OSError("unreachable")

    async def _response(self, reader: asyncio.StreamReader):
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.LimitOverrunError:
                raise _Failed(TOO_LARGE) from None
            lines = head.split(b"\r\n")
            parts = lines[0].split(None, 2)
            if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
                raise _Failed(CONNECTION)
            status = int(parts[1])
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            if 100 <= status < 200:
                continue  # an interim answer; the real one follows
            break
        keep = parts[0] != b"HTTP/1.0" and headers.get(b"connection", b"").lower() != b"close"
        limit = self.limits.max_reply_bytes
        if b"content-length" in headers:
            length = int(headers[b"content-length"])
            if length > limit:
                raise _Failed(TOO_LARGE, status)
            body = await reader.readexactly(length)
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks, total = [], 0
            while True:
                size_line = await reader.readline()
                chunk_size = int(size_line.split(b";")[0].strip() or b"0", 16)
                if chunk_size == 0:
                    while (await reader.readline()) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += chunk_size
                if total > limit:
                    raise _Failed(TOO_LARGE, status)
                chunks.append(await reader.readexactly(chunk_size))
                await reader.readexactly(2)
            body = b"".join(chunks)
        else:
            body = await reader.read(limit + 1)
            while len(body) <= limit and (more := await reader.read(limit + 1 - len(body))):
                body += more
            if len(body) > limit:
                raise _Failed(TOO_LARGE, status)
            keep = False
        return status, body, keep


def _close(connection) -> None:
    if connection is not None:
        with contextlib.suppress(OSError, RuntimeError, AttributeError):  # closing is best effort
            connection[1].transport.abort()
    return None


def summary(calls: list[Call | None], *, elapsed_s: float, max_in_flight: int) -> dict:
    """Throughput achieved, errors by kind (and by HTTP status) and the in-flight maximum of a run's calls."""
    made = [c for c in calls if c is not None]
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    for call in made:
        if call.error:
            by_kind[call.error] = by_kind.get(call.error, 0) + 1
            if call.error in (HTTP_STATUS, REDIRECT) and call.status is not None:
                by_status[str(call.status)] = by_status.get(str(call.status), 0) + 1
    total = sum(by_kind.values())
    n = len(made)
    return {
        "throughput": {"per_s": n / elapsed_s if elapsed_s > 0 and n else None, "span_s": elapsed_s, "n": n,
                       "answered": n - total},
        "errors": {
            "total": total,
            "rate": total / n if n else None,
            "by_kind": {kind: {"count": count, "rate": count / n} for kind, count in sorted(by_kind.items())},
            "by_status": dict(sorted(by_status.items())),
        },
        "max_in_flight": max_in_flight,
    }
