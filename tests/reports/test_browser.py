"""In real Chromium: export the report from the PoC's Overview, follow it to the download, and
verify a PDF on the Report tab."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.pocs.models import PoC
from tests.browser.conftest import login, page  # noqa: F401, F811  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_export_from_the_overview_then_download_and_verify(page, live_server, team, tmp_path, settings):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "uploads"
    poc, people = team
    login(page, live_server, people["viewer"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")
    page.get_by_role("button", name="Export report").click()
    page.wait_for_url(f"**/pocs/{poc.pk}/report/**")
    row = page.locator(".report-row").first
    expect(row).to_contain_text("Done")
    with page.expect_download() as download:
        row.get_by_role("link", name="Download the PDF").click()
    pdf = tmp_path / "report.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")

    # Exporting the same evidence again returns the same export: still one row, in place (htmx).
    page.evaluate("window.__marker = 1")
    first_id = row.get_attribute("id")
    row.evaluate("element => element.setAttribute('data-before', '1')")
    page.locator("#export").get_by_role("button", name="Export report").click()
    expect(page.locator(".report-row[data-before]")).to_have_count(0)  # the answer was swapped in
    expect(page.locator(".report-row")).to_have_count(1)
    expect(page.locator(".report-row").first).to_have_attribute("id", first_id)
    expect(page.locator(".report-row").first).to_contain_text("Done")

    # Once the evidence changes, exporting again adds a row in place, without a reload.
    PoC.objects.filter(pk=poc.pk).update(description="Scope widened to the appeals queue")
    page.locator("#export").get_by_role("button", name="Export report").click()
    expect(page.locator(".report-row")).to_have_count(2)
    assert page.evaluate("window.__marker") == 1

    # The draft is not a signed report: verifying it says so, in place.
    verify = page.locator("#verify")
    verify.get_by_label("PDF file").set_input_files(str(pdf))
    verify.get_by_role("button", name="Verify").click()
    expect(page.locator("#verify")).to_contain_text("is not the signed report of this PoC")
    assert page.evaluate("window.__marker") == 1
