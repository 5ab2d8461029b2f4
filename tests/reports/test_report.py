"""The PDF itself: every section in order, page numbers, DRAFT marks, PDF/A-3b with the evidence
attached, escaped user text, and the signature block of a signed report."""

from __future__ import annotations

import hashlib
import io
import re

import pypdf
import pytest

from apps.decisions.models import Snapshot
from apps.pocs.models import PoC
from apps.reports import context, render
from apps.reports.models import SignedReport
from tests.decisions.helpers import sign
from tests.reports.builders import pdf_pages, rich

pytestmark = pytest.mark.django_db

HEADINGS = [heading for _, heading in context.SECTIONS]


def draft_pdf(poc) -> tuple[bytes, bytes]:
    content, document = context.document_for(poc)
    return render.render_pdf(context.build(poc, document, signed=False), document=content), content


@pytest.fixture
def drafted(team, private_media):
    poc, people = team
    poc = rich(poc, people)
    pdf, evidence = draft_pdf(poc)
    return poc, people, pdf, evidence


def first_page_with(pages: list[str], heading: str, start: int = 1) -> int:
    """The 1-based page whose text starts a section with ``heading`` (the contents page is skipped)."""
    for number, text in enumerate(pages, start=1):
        top = [line.strip() for line in text.splitlines()[:4]]  # below the running header
        if number > start and heading in top:
            return number
    raise AssertionError(f"{heading!r} is on no page")


def test_every_section_heading_is_there_in_order(drafted):
    pages = pdf_pages(drafted[2])
    found = [first_page_with(pages, heading) for heading in HEADINGS]
    assert found == sorted(found)
    assert "Claims triage PoC" in pages[0]
    for word in (
        "Business unit",
        "Sponsor",
        "PoC lead",
        "Production owner",
        "Decision-maker",
        "Stage",
        "Decision status",
    ):
        assert word in pages[0]


def test_the_contents_page_numbers_are_the_pages_the_sections_start_on(drafted):
    pages = pdf_pages(drafted[2])
    toc = {}
    for line in pages[0].splitlines():
        match = re.match(r"^(.+?)\s*\.{3,}\s*(\d+)$", line.strip())
        if match:
            toc[match[1].strip()] = int(match[2])
    assert set(toc) == set(HEADINGS)
    for heading, page in toc.items():
        assert page == first_page_with(pages, heading), heading


def test_every_page_says_page_n_of_n_and_draft_with_the_time(drafted):
    pages = pdf_pages(drafted[2])
    total = len(pages)
    assert total > 5
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {total}" in text
        assert re.search(r"DRAFT · generated \d{4}-\d\d-\d\d \d\d:\d\d UTC", text), number
        assert "Claims triage PoC" in text  # the running header


def test_a_table_that_runs_over_pages_repeats_its_header(drafted):
    pages = pdf_pages(drafted[2])
    start = first_page_with(pages, "Appendix: activity log and file hashes")
    assert len(pages) > start, "the activity log fits on one page; the test needs a longer one"
    for number in range(start, len(pages) + 1):
        assert "When (UTC) Who What Changes" in pages[number - 1], number


def test_times_are_written_in_utc_whatever_the_site_time_zone(team, private_media, settings):
    settings.TIME_ZONE = "Pacific/Auckland"
    poc, people = team
    content, document = context.document_for(poc)
    built = context.build(poc, document, signed=False)
    pages = pdf_pages(render.render_pdf(built, document=content))
    assert f"DRAFT · generated {built['generated_at']:%Y-%m-%d %H:%M} UTC" in pages[0]


def test_the_draft_is_pdf_a_3b_with_metadata_and_the_evidence_attached(drafted):
    poc, _, pdf, evidence = drafted
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert reader.attachments[render.ATTACHMENT_NAME] == [evidence]
    root = reader.trailer["/Root"]
    intents = root["/OutputIntents"]
    assert intents[0].get_object()["/S"] == "/GTS_PDFA1"
    assert intents[0].get_object()["/DestOutputProfile"] is not None
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    info = reader.metadata
    assert info.title == f"PoC report: {poc.name}"
    assert info.author == "PoC Portal"
    assert "Draft report" in info.subject
    assert info.creation_date is not None


def test_charts_are_vector_and_text_is_selectable(drafted):
    reader = pypdf.PdfReader(io.BytesIO(drafted[2]))
    quality = next(p for p in reader.pages if "Leaderboard" in (p.extract_text() or ""))
    # The leaderboard chart's numbers are text in the page (an SVG drawn as vectors, not an image).
    assert "0.950 [0.900, 1.000]" in quality.extract_text()
    assert not quality.images


def test_html_in_user_text_shows_as_text(team, private_media):
    poc, people = team
    PoC.objects.filter(pk=poc.pk).update(name="<b>Bold</b> & <i>co</i>", description="<script>x()</script>")
    poc = rich(PoC.objects.get(pk=poc.pk), people)
    pages = pdf_pages(draft_pdf(poc)[0])
    assert "<b>Bold</b> & <i>co</i>" in pages[0]
    assert "<script>x()</script>" in pages[0]


def test_a_part_without_data_says_so_in_one_line(team, private_media):
    poc, people = team
    content, document = context.document_for(poc)
    del document["costs"]
    pdf = render.render_pdf(context.build(poc, document, signed=False), document=content)
    text = "\n".join(pdf_pages(pdf))
    assert context.NOT_BUILT in text.replace("\n", " ")


@pytest.fixture
def signed(team, private_media):
    poc, people = team
    poc = rich(poc, people, awaiting_decision=True)
    decision = sign(
        poc,
        people["decision_maker"],
        outcome="go",
        rationale="Every criterion met.",
        conditions="Review the cost after a quarter.",
    )
    return PoC.objects.get(pk=poc.pk), people, decision


def test_signing_stores_the_report_with_its_hash(signed):
    poc, people, decision = signed
    report = SignedReport.objects.get(decision=decision)
    assert report.at_signing
    content = bytes(report.content)
    assert hashlib.sha256(content).hexdigest() == report.sha256
    assert report.size == len(content)
    snapshot = Snapshot.objects.get(decision=decision)
    assert report.snapshot_sha256 == snapshot.sha256
    reader = pypdf.PdfReader(io.BytesIO(content))
    assert reader.attachments[render.ATTACHMENT_NAME] == [bytes(snapshot.content)]


def test_the_signed_report_has_the_signature_block_and_no_draft_mark(signed):
    poc, people, decision = signed
    report = SignedReport.objects.get(decision=decision)
    pages = pdf_pages(bytes(report.content))
    text = "\n".join(pages)
    signature = decision.signatures.get()
    block = pages[first_page_with(pages, "Decision and signature") - 1]
    assert signature.printed_name in block
    assert signature.signed_at.strftime("%Y-%m-%d %H:%M:%S") in block
    assert signature.meaning in block.replace("\n", " ")
    assert signature.snapshot_sha256 in block.replace("\n", "")
    assert "Every criterion met." in block
    assert "Review the cost after a quarter." in block
    assert "DRAFT" not in text
    assert "Decided (Go)" in pages[0]
    total = len(pages)
    assert all(f"Page {n} of {total}" in p for n, p in enumerate(pages, start=1))
    assert "Signed go/no-go report" in pypdf.PdfReader(io.BytesIO(bytes(report.content))).metadata.subject


def test_the_signed_report_cannot_be_changed(signed):
    from django.db import connection

    from apps.core.errors import ValidationFailed

    report = SignedReport.objects.get(decision=signed[2])
    with pytest.raises(ValidationFailed):
        report.save()
    with pytest.raises(ValidationFailed):
        SignedReport.objects.filter(pk=report.pk).update(sha256="0" * 64)
    with pytest.raises(Exception, match="cannot be changed"), connection.cursor() as cursor:
        cursor.execute("UPDATE reports_signedreport SET sha256 = 'x' WHERE id = %s", [report.pk])
