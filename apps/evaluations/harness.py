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
    plan = [int(step) if step.lstrip("-").isdigit() else step for step in steps]
    raw_decode = json.JSONDecoder().raw_decode

    def read(body: bytes) -> str:
        try:
            text = body.decode()
            try:  # the usual reply: a JSON document with no space around it
                value, end = raw_decode(text)
                if end != len(text):
                    raise ValueError
            except ValueError:
                value = json.loads(text)
        except (ValueError, UnicodeDecodeError):
            raise _Failed(UNPARSABLE) from None
        for step in plan:
            if type(step) is int:  # a list index, or a key of digits
                if isinstance(value, list):
                    value = value[step] if -len(value) <= step < len(value) else None
                elif isinstance(value, dict):
                    value = value.get(str(step))
                else:
                    value = None
            else:
                value = value.get(step) if isinstance(value, dict) else None
            if value is None:
                raise _Failed(UNPARSABLE)
        if type(value) is str:
            if text := value.strip():
                return text
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
        # Each item's outcome as the loop records it, a plain tuple (prediction, latency, error, status):
        # cheaper to make than a ``Call``, and left alone by the garbage collector. ``calls`` reads them.
        self._outcomes: list[tuple | None] = [None] * len(bodies)
        self.done = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.elapsed_s = 0.0
        self.stopped_by = ""  # "" | "cancel" | "deadline"
        self._items = iter(range(len(bodies)))  # shared by the workers: each item is taken once
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

    @property
    def calls(self) -> list[Call | None]:
        """Each item's call (None for an item never sent), in the items' order."""
        return [None if outcome is None else Call(index, *outcome) for index, outcome in enumerate(self._outcomes)]

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
        """One slot: its items one after the other over one kept-alive connection.

        The usual answer (HTTP/1.1, 2xx, a ``Content-Length`` within the limit, no ``Transfer-Encoding`` or
        ``Connection`` header) is read here without further calls; any other goes to ``_rest_of_response``,
        and a new connection (the first, or after the server closed one) is made by ``_on_new_connection``."""
        connection = None
        limits = self.limits
        timeout, limit = limits.timeout_s, limits.max_reply_bytes
        rated = bool(limits.rate_per_s)
        bodies, outcomes, read, request_head = self.bodies, self._outcomes, self.read, self._head
        deadlines, expired, stop, clock = self._deadlines, self._expired, self._stop, time.perf_counter
        try:
            for index in self._items:
                if stop.is_set():
                    break
                if rated and not await self._take_token():
                    return
                self.in_flight = in_flight = self.in_flight + 1
                if in_flight > self.max_in_flight:
                    self.max_in_flight = in_flight
                body = bodies[index]
                request = request_head + b"Content-Length: %d\r\n\r\n" % len(body) + body
                status = latency = prediction = None
                error = ""
                try:
                    deadlines[slot] = (begin := clock()) + timeout
                    try:
                        if connection is None:
                            connection, head, begin = await self._on_new_connection(request)
                        else:
                            try:
                                connection[1].write(request)
                                head = await connection[0].readuntil(b"\r\n\r\n")
                            except (ConnectionResetError, BrokenPipeError, asyncio.IncompleteReadError):
                                # the server closed the kept-alive connection meanwhile: once more on a new one
                                connection = _close(connection)
                                connection, head, begin = await self._on_new_connection(request)
                        lower = head.lower()
                        at = lower.find(b"\r\ncontent-length:")
                        if (at < 0 or not head.startswith(b"HTTP/1.1 2") or b"\r\ntransfer-encoding:" in lower
                                or b"\r\nconnection:" in lower
                                or (length := int(lower[at + 17:lower.find(b"\r\n", at + 17)])) > limit):
                            status, reply, keep = await self._rest_of_response(connection[0], head)
                            if not keep:
                                connection = _close(connection)
                        else:
                            status = int(head[9:12])
                            reply = await connection[0].readexactly(length)
                        latency = (clock() - begin) * 1000
                    except asyncio.CancelledError:
                        if not expired[slot] or stop.is_set():
                            raise
                        asyncio.current_task().uncancel()
                        raise TimeoutError from None
                    except asyncio.LimitOverrunError:
                        raise _Failed(TOO_LARGE) from None
                    finally:
                        deadlines[slot] = 0.0
                        expired[slot] = False
                    if status >= 300:
                        raise _Failed(REDIRECT if status < 400 else HTTP_STATUS, status)
                    prediction = read(reply)
                except _Failed as failed:
                    error, status = failed.kind, failed.status or status
                    if error in (TOO_LARGE, CONNECTION):
                        connection = _close(connection)
                except TimeoutError:
                    error, connection = TIMEOUT, _close(connection)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError, ssl.SSLError):
                    error, connection = CONNECTION, _close(connection)
                finally:
                    self.in_flight -= 1
                outcomes[index] = (prediction, latency, error, status)
                self.done += 1
        finally:
            _close(connection)

    async def _on_new_connection(self, request: bytes):
        """Connect, send ``request`` and read its answer's head: (connection, head, when the request was sent)."""
        connection = await self._connect()
        begin = time.perf_counter()
        try:
            connection[1].write(request)
            return connection, await connection[0].readuntil(b"\r\n\r\n"), begin
        except BaseException:
            _close(connection)
            raise

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

    async def _rest_of_response(self, reader: asyncio.StreamReader, head: bytes):
        """The answer whose head is ``head`` when it is not the common one: interim 1xx answers skipped,
        then a body sized by ``Content-Length``, chunked, or read to the connection's end."""
        status, length, keep = _head_fields(head)
        while status < 200:  # an interim answer; the real one follows
            status, length, keep = _head_fields(await reader.readuntil(b"\r\n\r\n"))
        limit = self.limits.max_reply_bytes
        if length == CHUNKED:
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
            return status, b"".join(chunks), keep
        if length is not None:
            if length > limit:
                raise _Failed(TOO_LARGE, status)
            return status, await reader.readexactly(length), keep
        body = await reader.read(limit + 1)
        while len(body) <= limit and (more := await reader.read(limit + 1 - len(body))):
            body += more
        if len(body) > limit:
            raise _Failed(TOO_LARGE, status)
        return status, body, False


CHUNKED = -1


def _head_fields(head: bytes) -> tuple[int, int | None, bool]:
    """The status, the body's length (``CHUNKED`` for a chunked body, None when unsized) and whether the
    connection stays open, from an answer's head (status line and headers, up to the blank line).
    ``_Failed(connection)`` when the status line is not HTTP's."""
    if head[:9] == b"HTTP/1.1 " and head[9:12].isdigit() and head[12:13] in b" \r":  # the usual status line
        status, keep = int(head[9:12]), True
    else:
        parts = head[:head.find(b"\r\n")].split(None, 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
            raise _Failed(CONNECTION)
        status, keep = int(parts[1]), parts[0] != b"HTTP/1.0"
    lower = head.lower()
    at = lower.find(b"\r\nconnection:")
    if at >= 0 and lower[at + 13:lower.find(b"\r\n", at + 13)].strip() == b"close":
        keep = False
    at = lower.find(b"\r\ntransfer-encoding:")
    if at >= 0 and lower[at + 20:lower.find(b"\r\n", at + 20)].strip().endswith(b"chunked"):
        return status, CHUNKED, keep
    at = lower.find(b"\r\ncontent-length:")
    if at < 0:
        return status, None, keep
    return status, int(lower[at + 17:lower.find(b"\r\n", at + 17)]), keep


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
