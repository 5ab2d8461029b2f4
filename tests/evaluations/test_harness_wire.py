"""The live run's HTTP client against the answers real servers give, byte for byte.

A raw TCP server on loopback (outside the portal, so a real one) answers each request with the
bytes scripted for its input: interim 1xx answers, chunked and unsized bodies, ``Connection:
close``, HTTP/1.0, a body over the limit, error statuses, a kept-alive connection the server
drops between requests. The engine must read every one of them as the server meant it.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from apps.evaluations import harness
from apps.evaluations.endpoints import Destination


def _answer(body: bytes, status: str = "200 OK", *, version: str = "HTTP/1.1", headers: str = "",
            length: bool = True) -> bytes:
    sized = f"Content-Length: {len(body)}\r\n" if length else ""
    return f"{version} {status}\r\nContent-Type: application/json\r\n{headers}{sized}\r\n".encode() + body


def _chunked(*parts: bytes) -> bytes:
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    return b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks + b"0\r\nX-Trailer: 1\r\n\r\n"


OK = json.dumps({"prediction": "yes"}).encode()
# What the server sends for each input, and whether it closes the connection afterwards.
SCRIPT: dict[str, tuple[bytes, bool]] = {
    "plain": (_answer(OK), False),
    "keep-alive header": (_answer(OK, headers="Connection: keep-alive\r\n"), False),
    "interim": (b"HTTP/1.1 100 Continue\r\n\r\n" + _answer(OK), False),
    "chunked": (_chunked(b'{"predic', b'tion": "yes"}'), False),
    "close": (_answer(OK, headers="Connection: close\r\n"), True),
    "http10 unsized": (_answer(OK, version="HTTP/1.0", length=False), True),
    "spaced json": (_answer(b'  {"prediction": "yes"}\n'), False),
    "trailing garbage": (_answer(b'{"prediction": "yes"} x'), False),
    "number": (_answer(b'{"prediction": 3}'), False),
    "empty prediction": (_answer(b'{"prediction": "  "}'), False),
    "server error": (_answer(b'{"error": "down"}', "503 Service Unavailable"), False),
    "redirect": (_answer(b"", "302 Found", headers="Location: http://example.invalid/\r\n"), False),
    "too large": (_answer(b'{"prediction": "' + b"y" * 5000 + b'"}'), False),
    "too large chunked": (_chunked(b"y" * 3000, b"y" * 3000), False),
    "too large unsized": (_answer(b"y" * 5000, version="HTTP/1.0", length=False), True),
    "not http": (b"SSH-2.0-OpenSSH_9.6\r\n\r\n", True),
    "dropped": (b"", True),  # the server closes the kept-alive connection without answering
}


class RawServer:
    """Answers each request with ``SCRIPT[input]``; counts connections and requests."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.requests = 0
        self.dropped_once = False
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            with self.lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket):
        buffer = b""
        with client:
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = client.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                while len(buffer) < length:
                    buffer += client.recv(65536)
                body, buffer = buffer[:length], buffer[length:]
                with self.lock:
                    self.requests += 1
                key = json.loads(body)["text"]
                if key == "dropped":
                    with self.lock:
                        first = not self.dropped_once
                        self.dropped_once = True
                    if not first:  # answered on the new connection
                        client.sendall(_answer(OK))
                        continue
                reply, close = SCRIPT[key]
                client.sendall(reply)
                if close:
                    client.shutdown(socket.SHUT_WR)
                    return

    def close(self):
        self.listener.close()


@pytest.fixture
def raw_server():
    server = RawServer()
    yield server
    server.close()


def run(server: RawServer, inputs: list[str], *, concurrency: int = 1, max_reply_bytes: int = 4096):
    destination = Destination("http", "127.0.0.1", server.port, "/predict", ["127.0.0.1"])
    bodies = harness.request_bodies("http_json", model="", template={"text": "{{input}}"}, inputs=inputs)
    engine = harness.Engine(destination, {}, bodies, harness.response_reader("http_json", "prediction"),
                            harness.Limits(concurrency=concurrency, timeout_s=5, max_reply_bytes=max_reply_bytes,
                                           deadline_s=30))
    engine.run_in_thread().join(30)
    assert engine.failure is None
    return engine.calls


@pytest.mark.parametrize("shape", ["plain", "keep-alive header", "interim", "chunked", "close", "http10 unsized",
                                   "spaced json"])
def test_every_well_formed_answer_gives_the_prediction(raw_server, shape):
    calls = run(raw_server, [shape, "plain"])
    assert [(call.prediction, call.error, call.status) for call in calls] == [("yes", "", 200), ("yes", "", 200)]
    assert calls[0].latency_ms > 0


def test_the_connection_is_kept_alive_unless_the_server_says_otherwise(raw_server):
    run(raw_server, ["plain", "chunked", "keep-alive header", "interim", "plain"])
    assert (raw_server.requests, raw_server.connections) == (5, 1)

    run(raw_server, ["close", "plain", "http10 unsized", "plain"])
    assert (raw_server.requests, raw_server.connections) == (9, 1 + 3)


@pytest.mark.parametrize(("shape", "error", "status"), [
    ("trailing garbage", harness.UNPARSABLE, 200),
    ("empty prediction", harness.UNPARSABLE, 200),
    ("server error", harness.HTTP_STATUS, 503),
    ("redirect", harness.REDIRECT, 302),
    ("too large", harness.TOO_LARGE, 200),
    ("too large chunked", harness.TOO_LARGE, 200),
    ("too large unsized", harness.TOO_LARGE, 200),
    ("not http", harness.CONNECTION, None),
])
def test_a_bad_answer_is_recorded_by_kind_and_the_next_item_still_answers(raw_server, shape, error, status):
    calls = run(raw_server, [shape, "plain"])
    assert (calls[0].prediction, calls[0].error, calls[0].status) == (None, error, status)
    assert (calls[1].prediction, calls[1].error) == ("yes", "")


def test_a_number_is_read_as_its_text(raw_server):
    assert run(raw_server, ["number"])[0].prediction == "3"


def test_a_kept_alive_connection_the_server_dropped_is_opened_again_once(raw_server):
    calls = run(raw_server, ["plain", "dropped", "plain"])
    assert [(call.prediction, call.error) for call in calls] == [("yes", "")] * 3
    assert raw_server.connections == 2
    assert raw_server.requests == 4  # the dropped request was sent again, once


def test_many_slots_record_every_item_once(raw_server):
    inputs = ["plain", "chunked", "interim", "server error", "close"] * 40
    calls = run(raw_server, inputs, concurrency=8)
    assert [call.index for call in calls] == list(range(len(inputs)))
    assert sum(1 for call in calls if call.prediction == "yes") == 160
    assert sum(1 for call in calls if call.error == harness.HTTP_STATUS) == 40
