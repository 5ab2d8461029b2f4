"""A model endpoint on loopback for the live-run tests: a real HTTP server outside the portal.

The item's input says how to answer: ``answer=X`` replies ``{"prediction": "X"}`` (after
``sleep=S`` seconds when given, e.g. ``sleep=0.2;answer=X``); ``status=500`` answers that
status; ``big`` a reply larger than any limit the tests set; ``trickle`` sends its reply one
byte every 0.2 s; ``garbage`` a reply that is not JSON; ``redirect`` a 302 to ``redirect_to``.
The server counts requests, the most in flight at once and when each request arrived, and
keeps the headers it was sent. ``delay_for_rate`` gives it a latency curve: each request waits
as long as the function says for the number of requests that arrived in the last second;
``degrade`` makes it a worse model (its answer instead of the one asked for, http_json only).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ModelServer:
    """``tls``: a server-side ``ssl.SSLContext`` to answer over HTTPS (the URL then starts with https)."""

    def __init__(self, tls=None):
        self.lock = threading.Lock()
        self.requests = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.arrivals: list[float] = []
        self.headers: list[dict[str, str]] = []
        self.redirect_to = ""
        # A latency curve: seconds to wait given the requests that arrived in the last second (None: none).
        self.delay_for_rate = None
        # A degraded model: answer(options) -> the answer given instead of options["answer"] (None: as asked).
        self.degrade = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with server.lock:
                    server.requests += 1
                    server.in_flight += 1
                    server.max_in_flight = max(server.max_in_flight, server.in_flight)
                    server.arrivals.append(time.monotonic())
                    server.headers.append(dict(self.headers.items()))
                    now = server.arrivals[-1]
                    recent = sum(1 for t in server.arrivals[-200:] if now - t < 1.0)
                if server.delay_for_rate is not None:
                    time.sleep(server.delay_for_rate(recent))
                try:
                    self._answer(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _send(self, status: int, payload: bytes, content_type="application/json", extra=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def _answer(self, body: bytes):
                request = json.loads(body)
                text = request.get("text")
                if text is None:  # an OpenAI chat completion
                    text = request["messages"][0]["content"]
                options = dict(part.split("=", 1) if "=" in part else (part, "") for part in text.split(";"))
                if "sleep" in options:
                    time.sleep(float(options["sleep"]))
                if "status" in options:
                    self._send(int(options["status"]), b'{"error": "failed"}')
                elif "big" in options:
                    self._send(200, json.dumps({"prediction": "x" * 200_000}).encode())
                elif "garbage" in options:
                    self._send(200, b"<html>not json</html>", "text/html")
                elif "redirect" in options:
                    self._send(302, b"", extra={"Location": server.redirect_to})
                elif "trickle" in options:
                    payload = json.dumps({"prediction": "a"}).encode()
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    for byte in payload:
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        time.sleep(0.2)
                elif "id" in request:  # the http_json template of the tests also sends the item in a field
                    answer = server.degrade(options) if server.degrade is not None else options.get("answer", "")
                    self._send(200, json.dumps({"prediction": answer}).encode())
                else:
                    reply = {"choices": [{"message": {"role": "assistant", "content": options.get("answer", "")}}]}
                    self._send(200, json.dumps(reply).encode())

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.scheme = "https" if tls is not None else "http"
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/predict") -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
