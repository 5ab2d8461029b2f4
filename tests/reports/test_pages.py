"""The Report tab: export from the PoC page, follow the job, download, verify an uploaded PDF."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.reports.models import Report, SignedReport
from tests.decisions.helpers import sign
from tests.reports.builders import rich

pytestmark = pytest.mark.django_db

PAGE_QUERIES = 11  # the Report tab (measured); it does not grow with the number of exports listed


def test_the_overview_offers_the_export(client_for, team):
    poc, people = team
    response = client_for(people["viewer"]).get(reverse("pocs:detail", args=[poc.pk]))
    assert response.status_code == 200
    assert reverse("reports:export", args=[poc.pk]).encode() in response.content
    assert b"Export report" in response.content


def test_exporting_from_the_page_leads_to_the_download(
    client_for, team, private_media, django_capture_on_commit_callbacks
):
    poc, people = team
    client = client_for(people["viewer"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:export", args=[poc.pk]))
    report = Report.objects.get(poc=poc)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#report-{report.pk}")
    page = client.get(reverse("reports:index", args=[poc.pk])).content.decode()
    assert "Done" in page
    download_url = reverse("reports:download", args=[poc.pk, report.pk])
    assert download_url in page
    pdf = client.get(download_url)
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_a_running_export_polls_until_it_is_final(client_for, team, django_capture_on_commit_callbacks):
    poc, people = team
    client = client_for(people["lead"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("reports:export", args=[poc.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    report = Report.objects.get(poc=poc)
    status_url = reverse("reports:status", args=[poc.pk, report.pk])
    assert f'hx-get="{status_url}"' in response.content.decode()
    assert 'hx-trigger="every 1s"' in response.content.decode()


def test_the_report_page_costs_the_same_with_more_exports(client_for, team):
    poc, people = team
    client = client_for(people["lead"])
    url = reverse("reports:index", args=[poc.pk])
    counts = []
    for exports in (1, 10):
        while Report.objects.filter(poc=poc).count() < exports:
            Report.objects.create(poc=poc, created_by=people["contributor"], content=b"%PDF", sha256="0" * 64, size=4)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts == [PAGE_QUERIES, PAGE_QUERIES]


def upload(content: bytes):
    return {"file": SimpleUploadedFile("report.pdf", content, content_type="application/pdf")}


def test_the_verify_page_says_match_and_no_match(client_for, team, private_media):
    poc, people = team
    poc = rich(poc, people, awaiting_decision=True)
    decision = sign(poc, people["decision_maker"], outcome="no_go")
    content = bytes(SignedReport.objects.get(decision=decision).content)
    client = client_for(people["viewer"])
    url = reverse("reports:verify", args=[poc.pk])
    match = client.post(url, upload(content)).content.decode()
    assert "is the signed report of this PoC" in match and "No match" not in match
    changed = bytearray(content)
    changed[100] ^= 0xFF
    no_match = client.post(url, upload(bytes(changed))).content.decode()
    assert "is not the signed report of this PoC" in no_match
    assert client.post(url, {}).status_code == 400


def test_an_outsider_gets_404_on_every_report_page(client_for, team):
    poc, people = team
    report = Report.objects.create(poc=poc, created_by=people["lead"], content=b"%PDF", sha256="0" * 64, size=4)
    client = client_for(people["outsider"])
    for name, args in (
        ("reports:index", [poc.pk]),
        ("reports:verify", [poc.pk]),
        ("reports:status", [poc.pk, report.pk]),
        ("reports:download", [poc.pk, report.pk]),
    ):
        assert client.get(reverse(name, args=args)).status_code == 404, name
    assert client.post(reverse("reports:export", args=[poc.pk])).status_code == 404
    assert client.post(reverse("reports:verify", args=[poc.pk]), upload(b"x")).status_code == 404
    assert Report.objects.filter(poc=poc).count() == 1
