"""What WeasyPrint may load while rendering a report: the project's own static files and ``data:`` URIs.

Everything else — http(s) to any host, loopback included, ``file:`` paths, ftp — is refused
before any connection or file is opened, so a URL a user typed into a PoC can never make the
server fetch it (WeasyPrint followed redirects into such places before, CVE-2025-68616). A refusal
is an exception WeasyPrint logs and renders past: the resource is simply missing from the PDF.
"""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from weasyprint.urls import URLFetcher, URLFetcherResponse

# The base URL of the report's HTML. Nothing resolves there: it only marks a reference to the
# project's static files, which are read from disk.
STATIC_BASE = "https://report-static.invalid/static/"


class Refused(ValueError):
    """A resource the report may not load."""


def static_path(url: str) -> Path | None:
    """The file behind a static URL of the report, from the finders or ``STATIC_ROOT``; None if there is none."""
    if not url.startswith(STATIC_BASE):
        return None
    relative = posixpath.normpath(unquote(urlsplit(url).path)[len(urlsplit(STATIC_BASE).path) :])
    if relative.startswith(("..", "/")) or relative in ("", "."):
        return None
    found = finders.find(relative)
    if found:
        return Path(found)
    if settings.STATIC_ROOT:
        root = Path(settings.STATIC_ROOT).resolve()
        candidate = (root / relative).resolve()
        if candidate.is_file() and candidate.is_relative_to(root):
            return candidate
    return None


class ReportFetcher(URLFetcher):
    """Serves ``data:`` URIs (decoded in memory) and the project's static files; refuses the rest."""

    def __init__(self):
        super().__init__(allowed_protocols=("data",), allow_redirects=False)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)  # urllib's DataHandler: no I/O
        path = static_path(url)
        if path is None:
            self.refused.append(url)
            raise Refused(f"the report loads only the project's static files and data: URIs, not {url[:200]}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime})
