"""Exports do not grow the database for ever: old drafts and failed exports are deleted (daily, or by
``manage.py reports_cleanup``), the signed report never is, and a second request for the same
evidence within the hour returns the first export instead of rendering again."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Job
from apps.pocs.models import PoC
from apps.reports import services
from apps.reports.models import Report, SignedReport
from apps.reports.tasks import cleanup_task
from pocportal.celery import app as celery_app
from tests.decisions.helpers import sign
from tests.factories import make_poc
from tests.reports.builders import rich

pytestmark = pytest.mark.django_db

DRAFT = b"%PDF-1.7 a draft"


def draft(poc, user, *, age: timedelta = timedelta(0), content: bytes = DRAFT) -> Report:
    """A finished draft export made ``age`` ago (written directly: these tests are about keeping it)."""
    report = Report.objects.create(
        poc=poc, created_by=user, content=content, sha256=hashlib.sha256(content).hexdigest(), size=len(content)
    )
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - age)
    return report


def failed(poc, user, *, status=Job.Status.FAILED, age: timedelta = timedelta(days=2)) -> Report:
    """An export whose job ended without a file ``age`` ago: failed, or succeeded without storing one."""
    job = Job.objects.create(kind=services.JOB_KIND, status=status, error="The layout engine ran out of paper")
    report = Report.objects.create(poc=poc, created_by=user, job=job)
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - age)
    return report


def queued(poc, user) -> Report:
    return Report.objects.create(poc=poc, created_by=user, job=Job.objects.create(kind=services.JOB_KIND))


def remaining(poc) -> set[int]:
    return set(Report.objects.filter(poc=poc).values_list("pk", flat=True))


def download(api, poc, report_id):
    return api.get(reverse("api:poc-report-download", args=[poc.pk, report_id]))


@pytest.fixture
def decided(team, private_media):
    """A signed PoC with a draft exported (and kept) before the signing, and two exports made after it."""
    poc, people = team
    poc = rich(poc, people, awaiting_decision=True)
    before = draft(poc, people["lead"], age=timedelta(days=90))
    decision = sign(poc, people["decision_maker"], outcome="no_go")
    signed = SignedReport.objects.get(decision=decision)
    pointers = [Report.objects.create(poc=poc, created_by=people["viewer"], signed=signed) for _ in range(2)]
    Report.objects.filter(pk=pointers[0].pk).update(created_at=timezone.now() - timedelta(days=60))
    return PoC.objects.get(pk=poc.pk), people, signed, before, pointers


# --- Cleanup ------------------------------------------------------------------------------------------


def test_cleanup_deletes_old_drafts_and_failed_exports_and_nothing_else(decided, api_for):
    signed_poc, people, signed, before, pointers = decided
    signed_bytes = bytes(signed.content)
    poc = make_poc(lead=people["lead"], name="Another PoC, still running")
    old = draft(poc, people["lead"], age=timedelta(days=31))
    recent = draft(poc, people["lead"], age=timedelta(days=29))
    broken = failed(poc, people["lead"])
    empty = failed(poc, people["lead"], status=Job.Status.SUCCEEDED)
    waiting = queued(poc, people["lead"])
    just_failed = failed(poc, people["lead"], age=timedelta(hours=2))  # its message is still shown for a day

    assert services.reports_cleanup() == {"deleted": 3, "emptied": 1}

    assert not Report.objects.filter(pk__in=[old.pk, broken.pk, empty.pk]).exists()
    assert remaining(poc) == {recent.pk, waiting.pk, just_failed.pk}
    assert bytes(Report.objects.get(pk=recent.pk).content) == DRAFT
    # The decided PoC keeps every export; the old draft keeps its row and loses only its own PDF.
    assert remaining(signed_poc) == {before.pk, *(p.pk for p in pointers)}
    assert Report.objects.get(pk=before.pk).content is None
    stored = SignedReport.objects.get(pk=signed.pk)
    assert bytes(stored.content) == signed_bytes and stored.sha256 == hashlib.sha256(signed_bytes).hexdigest()

    api = api_for(people["viewer"])
    for report in (before, *pointers):
        response = download(api, signed_poc, report.pk)
        assert response.status_code == 200
        assert response.content == signed_bytes
        assert response["X-Report-SHA256"] == signed.sha256
        detail = api.get(reverse("api:poc-report", args=[signed_poc.pk, report.pk])).json()
        assert detail["status"] == "done" and detail["signed"] is True and detail["sha256"] == signed.sha256
    lead = api_for(people["lead"])
    recent_file = download(lead, poc, recent.pk)
    assert recent_file.status_code == 200 and recent_file.content == DRAFT
    assert download(lead, poc, old.pk).status_code == 404

    assert services.reports_cleanup() == {"deleted": 0, "emptied": 0}  # a second run finds nothing left


def test_the_days_kept_come_from_the_setting(team, settings):
    poc, people = team
    settings.REPORT_EXPORT_KEEP_DAYS = 7
    week_old = draft(poc, people["lead"], age=timedelta(days=8))
    kept = draft(poc, people["lead"], age=timedelta(days=6))
    assert services.reports_cleanup()["deleted"] == 1
    assert remaining(poc) == {kept.pk}
    assert not Report.objects.filter(pk=week_old.pk).exists()


def test_the_command_says_how_many_it_deleted(decided):
    _, people, _, _, _ = decided
    poc = make_poc(lead=people["lead"], name="Another PoC, still running")
    for _ in range(2):
        draft(poc, people["lead"], age=timedelta(days=45))
    failed(poc, people["lead"])
    out = io.StringIO()
    call_command("reports_cleanup", stdout=out)
    assert out.getvalue().splitlines() == [
        "Deleted 3 report exports (drafts older than 30 days, and failed ones older than a day).",
        "Dropped the draft PDF of 1 old export of decided PoCs; their downloads return the signed report.",
    ]
    out = io.StringIO()
    call_command("reports_cleanup", stdout=out)
    assert out.getvalue() == "Deleted 0 report exports (drafts older than 30 days, and failed ones older than a day).\n"


def test_beat_runs_the_cleanup_every_day(team):
    entry = celery_app.conf.beat_schedule["reports-cleanup"]
    assert entry["task"] == "reports.cleanup" == cleanup_task.name
    assert "reports.cleanup" in celery_app.tasks
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {2} and entry["schedule"].day_of_week == set(range(7))
    poc, people = team
    draft(poc, people["lead"], age=timedelta(days=31))
    kept = draft(poc, people["lead"])
    assert cleanup_task.apply().get() == {"deleted": 1, "emptied": 0}
    assert remaining(poc) == {kept.pk}


def test_the_signed_report_refuses_deletion_whoever_asks(decided):
    _, _, signed, _, _ = decided
    with pytest.raises(Exception, match="cannot be changed or deleted"):
        SignedReport.objects.filter(pk=signed.pk).delete()
    assert SignedReport.objects.filter(pk=signed.pk).exists()


# --- One export per state of the evidence -------------------------------------------------------------


def export(api, poc, capture, *, execute: bool = True) -> dict:
    with capture(execute=execute):
        response = api.post(reverse("api:poc-reports", args=[poc.pk]))
    assert response.status_code == 202
    return response.json()


def render_jobs(poc) -> int:
    return Job.objects.filter(
        kind=services.JOB_KIND, subject_id__in=Report.objects.filter(poc=poc).values("pk")
    ).count()


def test_a_second_export_of_the_same_evidence_returns_the_first_and_renders_once(
    team, api_for, private_media, django_capture_on_commit_callbacks
):
    poc, people = team
    first = export(api_for(people["lead"]), poc, django_capture_on_commit_callbacks)
    detail = api_for(people["lead"]).get(reverse("api:poc-report", args=[poc.pk, first["id"]])).json()
    assert detail["status"] == "done"
    second = export(api_for(people["viewer"]), poc, django_capture_on_commit_callbacks)
    assert second["id"] == first["id"]
    assert second["status"] == "done" and second["sha256"] == detail["sha256"]
    assert Report.objects.filter(poc=poc).count() == 1
    assert render_jobs(poc) == 1


def test_an_export_still_queued_is_returned_too(team, api_for, django_capture_on_commit_callbacks):
    poc, people = team
    api = api_for(people["lead"])
    first = export(api, poc, django_capture_on_commit_callbacks, execute=False)
    assert first["status"] == "queued"
    assert export(api, poc, django_capture_on_commit_callbacks, execute=False)["id"] == first["id"]
    assert render_jobs(poc) == 1


def test_a_change_to_the_evidence_makes_a_new_export(team, api_for, django_capture_on_commit_callbacks):
    poc, people = team
    api = api_for(people["lead"])
    ids = [export(api, poc, django_capture_on_commit_callbacks, execute=False)["id"]]
    PoC.objects.filter(pk=poc.pk).update(description="Scope widened to the appeals queue")
    ids.append(export(api, poc, django_capture_on_commit_callbacks, execute=False)["id"])
    poc.checklist_items.filter(pk=poc.checklist_items.order_by("pk").first().pk).update(notes="Owner changed")
    ids.append(export(api, poc, django_capture_on_commit_callbacks, execute=False)["id"])
    # A person's name is printed on the cover but recorded on no PoC: renaming the lead counts too.
    people["lead"].full_name = "Lead Renamed"
    people["lead"].save()
    ids.append(export(api, poc, django_capture_on_commit_callbacks, execute=False)["id"])
    assert len(set(ids)) == 4
    assert render_jobs(poc) == 4


def test_a_failed_export_is_not_returned(team, api_for, monkeypatch, django_capture_on_commit_callbacks):
    poc, people = team
    api = api_for(people["lead"])

    def broken(*args, **kwargs):
        raise RuntimeError("The layout engine ran out of paper")

    with monkeypatch.context() as patch:
        patch.setattr("apps.reports.render.render_pdf", broken)
        first = export(api, poc, django_capture_on_commit_callbacks)
    assert api.get(reverse("api:poc-report", args=[poc.pk, first["id"]])).json()["status"] == "failed"
    second = export(api, poc, django_capture_on_commit_callbacks, execute=False)
    assert second["id"] != first["id"] and second["status"] == "queued"


def test_an_export_older_than_an_hour_is_not_returned(team, api_for, django_capture_on_commit_callbacks):
    poc, people = team
    api = api_for(people["lead"])
    first = export(api, poc, django_capture_on_commit_callbacks, execute=False)
    Report.objects.filter(pk=first["id"]).update(created_at=timezone.now() - timedelta(minutes=61))
    assert export(api, poc, django_capture_on_commit_callbacks, execute=False)["id"] != first["id"]


def test_a_decided_poc_returns_its_recent_export_of_the_signed_report(
    decided, api_for, django_capture_on_commit_callbacks
):
    poc, people, signed, _, pointers = decided
    api = api_for(people["contributor"])
    again = export(api, poc, django_capture_on_commit_callbacks, execute=False)
    assert again["id"] == pointers[1].pk  # the one of the last hour, not the one of two months ago
    assert again["status"] == "done" and again["sha256"] == signed.sha256
    assert Report.objects.filter(poc=poc).count() == 3


def test_exporting_twice_from_the_page_lists_the_export_once(client_for, team, django_capture_on_commit_callbacks):
    poc, people = team
    client = client_for(people["lead"])
    url = reverse("reports:export", args=[poc.pk])
    with django_capture_on_commit_callbacks(execute=False):
        first = client.post(url, HTTP_HX_REQUEST="true").content.decode()
        second = client.post(url, HTTP_HX_REQUEST="true").content.decode()
    report = Report.objects.get(poc=poc)
    assert 'hx-swap-oob="delete"' not in first
    # The row already on the page is removed and the same row comes back at the top of the list.
    assert second.startswith(f'<li id="report-{report.pk}" hx-swap-oob="delete"></li>')
    assert second.count(f'<li class="report-row" id="report-{report.pk}"') == 1
