"""From the report's context to PDF bytes: Django renders the HTML, WeasyPrint the PDF/A-3b.

The PDF is an archival PDF/A-3b (``pdf_variant``) carrying the evidence document it was read from
as an attached JSON file (``attachments``), so a machine reads the evidence out of the document
itself. WeasyPrint loads nothing but what ``fetcher.ReportFetcher`` allows.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from django.template.loader import render_to_string
from django.utils import timezone

# WeasyPrint reports each step at INFO (parsing its own stylesheets on import too); the job's
# progress already says what runs.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML, Attachment  # noqa: E402 (after quieting its logger)

from apps.reports.fetcher import STATIC_BASE, ReportFetcher  # noqa: E402

TEMPLATE = "reports/report.html"
ATTACHMENT_NAME = "evidence-snapshot.json"


def report_html(context: dict) -> str:
    # Every time in the report is written in UTC and says so, whatever TIME_ZONE the site runs in.
    with timezone.override(UTC):
        return render_to_string(TEMPLATE, {**context, "static_base": STATIC_BASE})


def pdf_from_html(html: str, *, document: bytes, created: datetime, signed: bool) -> bytes:
    """The PDF/A-3b of ``html`` with ``document`` (the evidence JSON) attached."""
    attachment = Attachment(
        string=document,
        name=ATTACHMENT_NAME,
        relationship="Data",
        created=created,
        modified=created,
        description="The signed evidence snapshot (canonical JSON)"
        if signed
        else "The evidence as it stood when this draft was generated (canonical JSON)",
    )
    return HTML(string=html, base_url=STATIC_BASE, url_fetcher=ReportFetcher()).write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        pdf_identifier=hashlib.md5(document).digest(),  # noqa: S324 (an identifier, not a security hash)
    )


def render_pdf(context: dict, *, document: bytes) -> bytes:
    return pdf_from_html(
        report_html(context), document=document, created=context["generated_at"], signed=context["signed"]
    )


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
