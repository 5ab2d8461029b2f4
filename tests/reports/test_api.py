"""The report API: export (a job), status, download, verify — and who may do each."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.decisions.hooks import register_on_sign, unregister_on_sign
from apps.decisions.models import Signature
from apps.reports import services
from apps.reports.models import Report, SignedReport
from tests.decisions.helpers import sign
from tests.reports.builders import rich

pytestmark = pytest.mark.django_db


def reports_url(poc):
    return reverse("api:poc-reports", args=[poc.pk])


def export(api, poc, capture):
    with capture(execute=True):
        response = api.post(reports_url(poc))
    return response


def download(api, poc, report_id) -> bytes:
    response = api.get(reverse("api:poc-report-download", args=[poc.pk, report_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content


def test_a_viewer_exports_a_draft_and_downloads_it(team, api_for, private_media, django_capture_on_commit_callbacks):
    poc, people = team
    api = api_for(people["viewer"])
    response = export(api, poc, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert set(response.json()) >= {"id", "status"}
    assert response.json()["status"] in ("queued", "running", "done", "failed")
    detail = api.get(reverse("api:poc-report", args=[poc.pk, response.json()["id"]])).json()
    assert detail["status"] == "done", detail
    assert "error" not in detail
    content = download(api, poc, detail["id"])
    assert content.startswith(b"%PDF-")
    assert hashlib.sha256(content).hexdigest() == detail["sha256"]


def test_a_report_not_done_yet_is_queued_and_not_downloadable(team, api_for, django_capture_on_commit_callbacks):
    poc, people = team
    api = api_for(people["lead"])
    with django_capture_on_commit_callbacks(execute=False):
        response = api.post(reports_url(poc))
    assert response.json()["status"] == "queued"
    report_id = response.json()["id"]
    assert api.get(reverse("api:poc-report", args=[poc.pk, report_id])).json()["status"] == "queued"
    assert api.get(reverse("api:poc-report-download", args=[poc.pk, report_id])).status_code == 404


def test_a_failed_render_says_why(team, api_for, monkeypatch, django_capture_on_commit_callbacks):
    poc, people = team

    def broken(*args, **kwargs):
        raise RuntimeError("The layout engine ran out of paper")

    monkeypatch.setattr("apps.reports.render.render_pdf", broken)
    api = api_for(people["lead"])
    response = export(api, poc, django_capture_on_commit_callbacks)
    detail = api.get(reverse("api:poc-report", args=[poc.pk, response.json()["id"]])).json()
    assert detail["status"] == "failed"
    assert "ran out of paper" in detail["error"]
    assert api.get(reverse("api:poc-report-download", args=[poc.pk, detail["id"]])).status_code == 404


@pytest.fixture
def decided(team, private_media):
    poc, people = team
    poc = rich(poc, people, awaiting_decision=True)
    decision = sign(poc, people["decision_maker"], outcome="no_go")
    return poc, people, decision


def test_exports_of_a_decided_poc_return_the_signed_bytes(decided, api_for, django_capture_on_commit_callbacks):
    poc, people, decision = decided
    stored = SignedReport.objects.get(decision=decision)
    api = api_for(people["contributor"])
    for _ in range(2):
        response = export(api, poc, django_capture_on_commit_callbacks)
        assert response.status_code == 202
        assert response.json()["status"] == "done"
        assert response.json()["signed"] is True
        assert response.json()["sha256"] == stored.sha256
        assert download(api, poc, response.json()["id"]) == bytes(stored.content)
    assert SignedReport.objects.filter(poc_id=poc.pk).count() == 1


def test_a_poc_signed_before_reports_gets_its_report_once_from_the_snapshot(
    team, api_for, private_media, django_capture_on_commit_callbacks
):
    poc, people = team
    poc = rich(poc, people, awaiting_decision=True)
    unregister_on_sign("report")
    try:
        decision = sign(poc, people["decision_maker"], outcome="no_go")
    finally:
        register_on_sign("report", services.signed_report_store, order=10)
    assert not SignedReport.objects.filter(decision=decision).exists()
    signature_before = Signature.objects.filter(decision=decision).values().get()

    api = api_for(people["viewer"])
    first = export(api, poc, django_capture_on_commit_callbacks).json()
    first = api.get(reverse("api:poc-report", args=[poc.pk, first["id"]])).json()
    assert first["status"] == "done" and first["signed"] is True
    stored = SignedReport.objects.get(decision=decision)
    assert not stored.at_signing
    assert hashlib.sha256(bytes(stored.content)).hexdigest() == stored.sha256 == first["sha256"]
    second = export(api, poc, django_capture_on_commit_callbacks).json()
    assert second["status"] == "done"
    assert download(api, poc, second["id"]) == download(api, poc, first["id"]) == bytes(stored.content)
    assert SignedReport.objects.filter(decision=decision).count() == 1
    assert Signature.objects.filter(decision=decision).values().get() == signature_before


def verify(api, poc, content: bytes):
    return api.post(
        reverse("api:poc-verify-report", args=[poc.pk]),
        {"file": SimpleUploadedFile("report.pdf", content, content_type="application/pdf")},
        format="multipart",
    )


def test_verify_matches_the_signed_report_and_refuses_a_flipped_byte(decided, api_for):
    poc, people, decision = decided
    content = bytes(SignedReport.objects.get(decision=decision).content)
    api = api_for(people["viewer"])
    response = verify(api, poc, content)
    assert response.status_code == 200
    assert response.json()["match"] is True
    flipped = bytearray(content)
    flipped[len(flipped) // 2] ^= 0x01
    assert verify(api, poc, bytes(flipped)).json()["match"] is False


def test_verify_on_an_unsigned_poc_is_no_match(team, api_for):
    poc, people = team
    response = verify(api_for(people["lead"]), poc, b"%PDF-1.7 not a report")
    assert response.status_code == 200
    assert response.json()["match"] is False
    assert response.json()["signed"] is False


def test_verify_without_a_file_names_the_field(team, api_for):
    poc, people = team
    response = api_for(people["lead"]).post(reverse("api:poc-verify-report", args=[poc.pk]), {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()


def test_an_outsider_gets_404_everywhere(decided, api_for, django_capture_on_commit_callbacks):
    poc, people, decision = decided
    report = Report.objects.create(
        poc=poc, created_by=people["lead"], signed=SignedReport.objects.get(decision=decision)
    )
    api = api_for(people["outsider"])
    assert api.post(reports_url(poc)).status_code == 404
    assert api.get(reverse("api:poc-report", args=[poc.pk, report.pk])).status_code == 404
    assert api.get(reverse("api:poc-report-download", args=[poc.pk, report.pk])).status_code == 404
    assert verify(api, poc, b"x").status_code == 404
    assert Report.objects.filter(poc=poc).count() == 1


def test_a_report_of_another_poc_is_404(team, api_for):
    poc, people = team
    from tests.factories import make_poc

    other = make_poc(lead=people["lead"], name="Another")
    report = Report.objects.create(poc=other, created_by=people["lead"])
    api = api_for(people["lead"])
    assert api.get(reverse("api:poc-report", args=[poc.pk, report.pk])).status_code == 404
    assert api.get(reverse("api:poc-report-download", args=[poc.pk, report.pk])).status_code == 404


def test_anonymous_callers_are_refused(team, api_for):
    poc, _ = team
    assert api_for(None).post(reports_url(poc)).status_code in (401, 403)


def test_a_draft_exported_before_signing_downloads_as_the_signed_report_after(
    team, api_for, private_media, django_capture_on_commit_callbacks
):
    poc, people = team
    poc = rich(poc, people, awaiting_decision=True)
    api = api_for(people["lead"])
    draft = export(api, poc, django_capture_on_commit_callbacks).json()
    before = download(api, poc, draft["id"])
    assert api.get(reverse("api:poc-report", args=[poc.pk, draft["id"]])).json()["signed"] is False
    decision = sign(poc, people["decision_maker"], outcome="no_go")
    stored = SignedReport.objects.get(decision=decision)
    after = api.get(reverse("api:poc-report", args=[poc.pk, draft["id"]])).json()
    assert after["signed"] is True and after["sha256"] == stored.sha256
    assert download(api, poc, draft["id"]) == bytes(stored.content) != before
