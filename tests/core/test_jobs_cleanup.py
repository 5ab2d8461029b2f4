"""Job rows do not grow the database for ever: final jobs that ended more than ``JOB_KEEP_DAYS`` days
ago are deleted (daily, or by ``manage.py jobs_cleanup``), never an active one, and never the latest
job of a subject and kind while the subject exists, so every page and API that shows a job's status,
progress or error answers as before."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import pytest
from celery.schedules import crontab
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.core import jobs
from apps.core.jobs import jobs_cleanup
from apps.core.models import Job
from apps.core.tasks import jobs_cleanup_task
from apps.costs import services as costs
from apps.costs.models import CostModel
from apps.evaluations import services as evaluations
from apps.pocs.services import poc_summary_request
from apps.reports import services as reports
from apps.reports.models import Report
from pocportal.celery import app as celery_app
from tests.evaluations.builders import classification_rows, computed_run
from tests.factories import make_poc

pytestmark = pytest.mark.django_db

SUCCEEDED, FAILED = Job.Status.SUCCEEDED, Job.Status.FAILED


def job(subject=None, kind="core.selftest", status=SUCCEEDED, *, created: int, ended: int | None = None, **fields):
    """A job written ``created`` days ago that ended ``ended`` days ago (None: no end recorded)."""
    now = timezone.now()
    row = Job.objects.create(kind=kind, status=status, **{**Job.subject_of(subject), **fields})
    Job.objects.filter(pk=row.pk).update(
        created_at=now - timedelta(days=created), finished_at=None if ended is None else now - timedelta(days=ended)
    )
    return row


def age(days: int = 60) -> None:
    """Move every job ``days`` into the past, keeping their order: the state a couple of months of use leaves."""
    shift = timedelta(days=days)
    Job.objects.update(created_at=F("created_at") - shift)
    Job.objects.filter(finished_at__isnull=False).update(finished_at=F("finished_at") - shift)


def remaining(*rows: Job) -> set[int]:
    return set(Job.objects.filter(pk__in=[r.pk for r in rows]).values_list("pk", flat=True))


def jobs_run():
    """Run the jobs queued on commit (the test's transaction never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


# --- What is deleted and what is kept --------------------------------------------------------------


def test_old_final_jobs_are_deleted_and_recent_active_and_latest_ones_kept(poc, people):
    other = make_poc(lead=people["outsider"], name="Another PoC")
    deleted = [
        job(poc, status=SUCCEEDED, created=61, ended=60),
        job(poc, status=FAILED, created=46, ended=45, error="The worker stopped"),
        job(poc, status=FAILED, created=40),  # no end recorded: its creation counts
        job(None, created=90, ended=90),  # no subject: nothing reads it
        job(None, created=90, ended=90, subject_type="pocs.poc", subject_id=other.pk + 1000),  # its PoC is gone
        job(None, created=90, ended=90, subject_type="retired.model", subject_id=1),  # its model no longer exists
    ]
    recent = job(poc, status=SUCCEEDED, created=40, ended=29)  # written long ago, ended within the days kept
    latest = job(poc, status=SUCCEEDED, created=35, ended=35)  # the PoC's newest of its kind, which pages read
    active = [job(poc, "poc.summary", status, created=400) for status in jobs.ACTIVE]  # however old
    newer_summary = job(poc, "poc.summary", status=FAILED, created=100, ended=100, error="Nope")
    only_one = job(other, created=300, ended=300)  # another PoC's only job is its latest
    kept = [recent, latest, *active, newer_summary, only_one]

    assert jobs_cleanup() == {"deleted": len(deleted)}

    assert remaining(*deleted) == set()
    assert remaining(*kept) == {k.pk for k in kept}
    assert jobs_cleanup() == {"deleted": 0}  # a second run finds nothing left


def test_the_days_kept_come_from_the_setting(poc, settings):
    settings.JOB_KEEP_DAYS = 7
    week_old = job(poc, created=8, ended=8)
    kept = job(poc, created=6, ended=6)
    latest = job(poc, created=1, ended=1)
    assert jobs_cleanup() == {"deleted": 1}
    assert remaining(week_old, kept, latest) == {kept.pk, latest.pk}


def test_a_large_backlog_is_deleted_in_short_batches(poc, monkeypatch):
    monkeypatch.setattr(jobs, "CLEANUP_BATCH", 2)
    backlog = [job(poc, created=90 - day, ended=90 - day) for day in range(5)]
    latest = job(poc, created=40, ended=40)
    with CaptureQueriesContext(connection) as queries:
        assert jobs_cleanup() == {"deleted": 5}
    deletes = [q["sql"] for q in queries if q["sql"].startswith('DELETE FROM "core_job"')]
    assert len(deletes) == 3  # 2 + 2 + 1
    assert remaining(*backlog, latest) == {latest.pk}


# --- The pages and APIs that read jobs still answer ------------------------------------------------


def test_the_summary_status_page_answers_for_the_latest_job_and_404_for_a_deleted_one(poc, people, client_for):
    with jobs_run():
        first = poc_summary_request(poc=poc, user=people["lead"])
    with jobs_run():
        second = poc_summary_request(poc=poc, user=people["lead"])
    age()
    assert jobs_cleanup()["deleted"] >= 1

    client = client_for(people["viewer"])
    assert client.get(reverse("pocs:job", args=[poc.pk, first.pk])).status_code == 404
    page = client.get(reverse("pocs:job", args=[poc.pk, second.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Succeeded" in html and "Changes recorded" in html
    assert client_for(people["outsider"]).get(reverse("pocs:job", args=[poc.pk, second.pk])).status_code == 404


def test_an_evaluation_run_still_shows_why_its_last_recompute_failed(team, private_media, api_for, settings):
    poc, people = team
    lead = people["lead"]
    dataset = evaluations.dataset_create(poc=poc, user=lead, data={"name": "Prod sample", "kind": "production"})
    model = evaluations.model_version_create(poc=poc, user=lead, data={"name": "gpt", "release": "1"})
    run = computed_run(poc, lead, dataset, model, classification_rows(60, 0.8), resamples=200)
    computed_by = run.job_id
    settings.EVAL_MAX_ROWS = 10
    with jobs_run():
        run = evaluations.eval_run_recompute(run=run, user=lead)
    age()

    assert jobs_cleanup()["deleted"] >= 1

    assert not Job.objects.filter(pk=computed_by).exists()  # the first computation's job
    api = api_for(people["viewer"])
    detail = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/").json()
    assert detail["status"] == "failed"
    assert "the limit is 10 (setting EVAL_MAX_ROWS)" in detail["error"]
    assert detail["n"] == 60
    listed = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/").json()
    row = next(r for r in listed if r["id"] == run.pk)
    assert row["status"] == "failed" and "EVAL_MAX_ROWS" in row["error"]


def test_the_costs_page_still_shows_that_the_last_recompute_failed(poc, people, client_for):
    lead = people["lead"]
    with jobs_run():
        costs.cost_model_update(poc=poc, user=lead, changes={"volume_per_month": "10000", "value_per_unit": "2",
                                                              "quality": "0.9", "currency": "GBP"})
    with jobs_run():
        costs.cost_line_create(poc=poc, user=lead, data={"name": "Support", "category": "people",
                                                         "behaviour": "fixed", "low": 1000, "likely": 1200,
                                                         "high": 1500})
    model = CostModel.objects.get(poc=poc)
    # Its last recompute failed (written directly: the test is about keeping the job that says so).
    Job.objects.filter(pk=model.job_id).update(status=FAILED, error="The cost lines could not be read")
    age()

    assert jobs_cleanup()["deleted"] >= 1

    assert Job.objects.filter(kind="costs.recompute", subject_id=model.pk).count() == 1
    html = client_for(people["viewer"]).get(f"/pocs/{poc.pk}/costs/").content.decode()
    assert "The last recompute failed: The cost lines could not be read" in html


DRAFT = b"%PDF-1.7 a draft"


def export(poc, user, *, failed: bool = False) -> Report:
    """An export rendered (or failed) by its job, as ``report_request`` leaves it (written directly)."""
    if failed:
        report = Report.objects.create(poc=poc, created_by=user)
    else:
        report = Report.objects.create(
            poc=poc, created_by=user, content=DRAFT, sha256=hashlib.sha256(DRAFT).hexdigest(), size=len(DRAFT)
        )
    report.job = Job.objects.create(
        kind=reports.JOB_KIND, status=FAILED if failed else SUCCEEDED, progress=0 if failed else 100,
        error="The layout engine ran out of paper" if failed else "", finished_at=timezone.now(),
        **Job.subject_of(report),
    )
    report.save(update_fields=["job"])
    return report


def test_exports_kept_longer_than_jobs_keep_their_status_and_error(team, api_for, client_for, settings):
    poc, people = team
    settings.REPORT_EXPORT_KEEP_DAYS = 90
    done = export(poc, people["lead"])
    failed = export(poc, people["lead"], failed=True)
    age()

    jobs_cleanup()
    assert remaining(done.job, failed.job) == {done.job_id, failed.job_id}  # each the latest of its export

    api = api_for(people["viewer"])
    body = api.get(reverse("api:poc-report", args=[poc.pk, done.pk])).json()
    assert body["status"] == "done" and body["sha256"] == hashlib.sha256(DRAFT).hexdigest()
    body = api.get(reverse("api:poc-report", args=[poc.pk, failed.pk])).json()
    assert body["status"] == "failed" and body["error"] == "The layout engine ran out of paper"
    html = client_for(people["viewer"]).get(reverse("reports:index", args=[poc.pk])).content.decode()
    assert "Download the PDF" in html and "The layout engine ran out of paper" in html


def test_an_export_whose_job_is_gone_still_reads_done_and_downloads(team, api_for, client_for):
    poc, people = team
    done = export(poc, people["lead"])
    Job.objects.filter(pk=done.job_id).delete()  # the export's job row is null now (SET_NULL)
    done.refresh_from_db()
    assert done.job_id is None

    api = api_for(people["viewer"])
    body = api.get(reverse("api:poc-report", args=[poc.pk, done.pk])).json()
    assert body["status"] == "done" and body["progress"] == 100
    download = api.get(reverse("api:poc-report-download", args=[poc.pk, done.pk]))
    assert download.status_code == 200 and download.content == DRAFT
    html = client_for(people["viewer"]).get(reverse("reports:index", args=[poc.pk])).content.decode()
    assert "Download the PDF" in html


def test_the_job_of_a_deleted_export_goes_at_the_next_cleanup(team):
    poc, people = team
    old = export(poc, people["lead"])
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    age()
    assert reports.reports_cleanup()["deleted"] == 1
    assert Job.objects.filter(pk=old.job_id).exists()  # the export is gone, its job row stays ...
    jobs_cleanup()  # ... until the jobs' own cleanup
    assert not Job.objects.filter(pk=old.job_id).exists()


# --- Command and beat -----------------------------------------------------------------------------


def test_the_command_says_how_many_it_deleted(poc):
    for days in (50, 40):
        job(poc, created=days, ended=days)
    job(poc, created=31, ended=31)
    out = io.StringIO()
    call_command("jobs_cleanup", stdout=out)
    assert out.getvalue() == (
        "Deleted 2 finished jobs (ended more than 30 days ago; the latest of each subject and kind kept).\n"
    )
    out = io.StringIO()
    call_command("jobs_cleanup", stdout=out)
    assert out.getvalue() == (
        "Deleted 0 finished jobs (ended more than 30 days ago; the latest of each subject and kind kept).\n"
    )


def test_beat_runs_the_cleanup_every_day(poc):
    entry = celery_app.conf.beat_schedule["core-jobs-cleanup"]
    assert entry["task"] == "core.jobs_cleanup" == jobs_cleanup_task.name
    assert "core.jobs_cleanup" in celery_app.tasks
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {45}
    assert entry["schedule"].day_of_week == set(range(7))
    old = job(poc, created=40, ended=40)
    latest = job(poc, created=35, ended=35)
    assert jobs_cleanup_task.apply().get() == {"deleted": 1}
    assert remaining(old, latest) == {latest.pk}
