"""Rendering a report fetches nothing but the project's static files and ``data:`` URIs.

A live server on loopback counts every request it gets; a report whose PoC holds that server's
URL (and a file path), and HTML that points images and stylesheets at it and at local files,
must leave it at zero.
"""

from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from apps.reports import context, render
from apps.reports.fetcher import STATIC_BASE, ReportFetcher
from tests.reports.builders import pdf_pages, rich

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


@pytest.fixture
def loopback():
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(302)  # a redirect to a file: WeasyPrint followed these before
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_a_report_with_a_user_entered_loopback_url_fetches_nothing(team, private_media, loopback):
    poc, people = team
    url, hits = loopback
    poc = rich(poc, people, evidence_url=f"{url}/evidence")
    content, document = context.document_for(poc)
    pdf = render.render_pdf(context.build(poc, document, signed=False), document=content)
    assert f"{url}/evidence" in "".join(pdf_pages(pdf)).replace("\n", "")  # shown as text
    assert hits == []


def test_images_and_stylesheets_pointing_elsewhere_are_refused(loopback, tmp_path):
    url, hits = loopback
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG)
    html = f"""<html><head><link rel="stylesheet" href="{url}/style.css">
      <link rel="stylesheet" href="file://{tmp_path}/x.css"></head><body>
      <img src="{url}/image.png"><img src="file://{secret}"><img src="{secret}">
      <img src="//127.0.0.1:{url.rsplit(":", 1)[1]}/scheme-relative.png">
      <img src="ftp://127.0.0.1/x.png"><p>body</p></body></html>"""
    pdf = render.pdf_from_html(html, document=b"{}", created=None, signed=False)
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_the_fetcher_serves_data_uris_and_static_files_only(loopback, tmp_path):
    url, hits = loopback
    fetcher = ReportFetcher()
    data = fetcher.fetch("data:image/png;base64," + base64.b64encode(PNG).decode())
    assert data.read() == PNG
    css = fetcher.fetch(STATIC_BASE + "css/app.css")
    assert css.read()
    for refused in (
        f"{url}/x",
        f"file://{tmp_path}",
        STATIC_BASE + "../../settings.py",
        STATIC_BASE + "%2e%2e/%2e%2e/pocportal/settings.py",
        "https://example.org/x.png",
    ):
        with pytest.raises(ValueError, match="only the project's static files"):
            fetcher.fetch(refused)
    assert hits == []
