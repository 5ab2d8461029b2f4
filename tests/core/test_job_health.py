"""Jobs that never hang, in-process: a refused send, a stopped heartbeat, a stuck query.

Tasks run eagerly here (see ``_jobs_in_process``), which is how jobs run without Redis; the same
faults against a real worker and Redis are in ``tests/core/test_worker.py``.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import psycopg
import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.core.jobs import WAITING_FOR_QUEUE, job_enqueue, job_run, sweep_jobs
from apps.core.models import Job
from apps.core.selectors import latest_job
from apps.core.tasks import hold, selftest
from pocportal.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down():
    """Tasks are sent to a broker nobody listens on (not eager, as with REDIS_URL set and Redis down)."""
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "broker_url")}
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    yield
    celery_app.conf.update(saved)
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def _dead(job: Job, *, seconds: int, status=Job.Status.RUNNING, attempts=1) -> Job:
    """Make ``job`` look like a run whose worker stopped ``seconds`` ago."""
    last = timezone.now() - timedelta(seconds=seconds)
    Job.objects.filter(pk=job.pk).update(
        status=status, attempts=attempts, started_at=last, heartbeat_at=last, sent_at=last, send_attempts=1
    )
    job.refresh_from_db()
    return job


# --- the broker is unreachable -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_starting_a_job_with_the_broker_down_says_so_instead_of_a_500(broker_down, client_for, poc, people):
    client = client_for(people["lead"])
    response = client.post(reverse("pocs:summary", args=[poc.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f"{WAITING_FOR_QUEUE}." in response.content.decode()
    job = latest_job(poc, "poc.summary")
    assert job.waiting_for_queue
    assert (job.status, job.message, job.send_attempts) == (Job.Status.QUEUED, WAITING_FOR_QUEUE, 1)
    assert (job.task_name, job.task_args) == ("apps.pocs.tasks.poc_summary_recompute", [])

    # Without htmx: back to the PoC with the same message.
    response = client.post(reverse("pocs:summary", args=[poc.pk]))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [f"{WAITING_FOR_QUEUE}."]


@pytest.mark.django_db(transaction=True)
def test_a_job_the_broker_refused_runs_once_the_sweeper_can_send_it(broker_down, settings):
    settings.JOB_SEND_RETRY_INTERVAL = 0
    job = job_enqueue(kind="core.selftest", task=selftest)  # autocommit: sent (and refused) at once
    job.refresh_from_db()
    assert job.waiting_for_queue

    assert sweep_jobs()["still_waiting"] == 1
    job.refresh_from_db()
    assert (job.status, job.send_attempts) == (Job.Status.QUEUED, 2)

    celery_app.conf.task_always_eager = True  # the queue is back (in-process)
    assert sweep_jobs()["sent"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.send_attempts == 3 and job.sent_at is not None
    assert sweep_jobs()["sent"] == 0  # never sent twice


def test_a_job_written_but_never_sent_is_sent_by_the_sweeper(settings, django_capture_on_commit_callbacks):
    """The process that wrote the job ended between its commit and its send: the sweeper sends it once a
    send is overdue (``JOB_HEARTBEAT_TIMEOUT``), not before."""
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    with django_capture_on_commit_callbacks(execute=False):  # the send never happens
        job = job_enqueue(kind="core.selftest", task=selftest)
    assert sweep_jobs()["sent"] == 0  # just written: its own send may be on its way
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(seconds=61))
    assert sweep_jobs()["sent"] == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 1)
    assert sweep_jobs()["sent"] == 0


@pytest.mark.django_db(transaction=True)
def test_a_job_the_broker_refused_for_too_long_fails_with_a_message(broker_down, settings):
    settings.JOB_SEND_RETRY_INTERVAL = 0
    settings.JOB_QUEUE_WAIT_LIMIT = 600
    job = job_enqueue(kind="core.selftest", task=selftest)
    Job.objects.filter(pk=job.pk).update(created_at=timezone.now() - timedelta(minutes=11))
    assert sweep_jobs()["gave_up_sending"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "The job queue was unreachable for 10 min, so the job never started; start it again."


# --- the heartbeat stopped -----------------------------------------------------------------------


def test_a_job_whose_heartbeat_stopped_is_run_again(settings, django_capture_on_commit_callbacks):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="core.selftest", task=selftest)
    alive = _dead(job, seconds=30)
    assert sweep_jobs()["requeued"] == 0  # silent for less than JOB_HEARTBEAT_TIMEOUT: left alone
    alive.refresh_from_db()
    assert alive.status == Job.Status.RUNNING

    _dead(job, seconds=61)
    assert sweep_jobs()["requeued"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2
    assert job.result == {"attempts": 2, "retries": 0}


def test_a_job_whose_heartbeat_stopped_on_its_last_attempt_fails_with_a_message(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    settings.JOB_MAX_ATTEMPTS = 3
    job = _dead(job_enqueue(kind="core.selftest", task=selftest), seconds=90, attempts=3)
    assert sweep_jobs()["failed"] == 1
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == (
        "The worker stopped while running this job (no sign of life for 90 s) "
        "and it was not run again after 3 attempts; start it again."
    )


def test_a_retrying_job_gets_its_backoff_before_it_counts_as_stopped(settings):
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    settings.JOB_RETRY_WAIT = 900
    job = _dead(job_enqueue(kind="core.selftest", task=selftest), seconds=600, status=Job.Status.RETRYING)
    assert sweep_jobs()["requeued"] == 0
    _dead(job, seconds=961, status=Job.Status.RETRYING)
    assert sweep_jobs()["requeued"] == 1


def test_polling_a_job_whose_worker_stopped_recovers_it(settings, client_for, poc, people):
    """Without beat (no Redis), the page's poll is what notices: the job runs again and the page says so."""
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    job = _dead(job_enqueue(kind="poc.summary", task=selftest, subject=poc), seconds=120)
    body = client_for(people["lead"]).get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true")
    assert "Succeeded" in body.content.decode()
    assert body["HX-Trigger"] == "job-finished"
    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)


@pytest.mark.django_db(transaction=True)
def test_a_running_job_writes_a_heartbeat_while_its_work_runs(settings):
    import time

    settings.JOB_HEARTBEAT_INTERVAL = 0.2
    job = Job.objects.create(kind="core.hold")
    seen = []

    def work(job):
        first = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.7)  # no progress reported: only the heartbeat thread writes
        seen.append((first, Job.objects.get(pk=job.pk).heartbeat_at))
        return {}

    assert job_run(job.pk, work).status == Job.Status.SUCCEEDED
    first, later = seen[0]
    assert first is not None and later > first


def test_sweep_jobs_runs_on_beat_and_as_a_command(settings):
    entry = celery_app.conf.beat_schedule["core-sweep-jobs"]
    assert entry["task"] == "core.sweep_jobs"
    assert entry["schedule"] == float(settings.JOB_SWEEP_INTERVAL)
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    _dead(job_enqueue(kind="core.selftest", task=selftest), seconds=61)
    out = StringIO()
    call_command("sweep_jobs", stdout=out)
    assert "requeued: 1" in out.getvalue()


# --- a query stuck in the database ---------------------------------------------------------------


def _test_db_dsn() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


@pytest.mark.django_db(transaction=True)
def test_a_job_blocked_on_a_row_lock_fails_at_the_lock_timeout(settings):
    settings.JOB_LOCK_TIMEOUT = 1
    locked = Job.objects.create(kind="core.hold", status=Job.Status.SUCCEEDED)
    job = Job.objects.create(kind="core.hold", task_name="core.hold")
    with psycopg.connect(_test_db_dsn()) as holder:
        holder.execute("SELECT id FROM core_job WHERE id = %s FOR UPDATE", [locked.pk])
        hold.apply(args=(job.pk, 0, locked.pk))
        holder.rollback()
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error == "The database stayed locked for 1 s; try again"


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_query_runs_too_long_fails_at_the_statement_timeout(settings):
    settings.JOB_STATEMENT_TIMEOUT = 1
    job = Job.objects.create(kind="core.hold")

    def work(job):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(10)")
        return {}

    assert job_run(job.pk, work).error == "A database query ran longer than 1 s and was stopped; try again"
    # The web process's own session is given back its settings afterwards.
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
        assert cursor.fetchone() == ("0", "0")
