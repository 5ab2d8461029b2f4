"""Jobs run in-process (no Redis): cheap when short, still beating when long.

Without a worker a job runs in the request that queued it, as soon as its row is committed. Its
bookkeeping is a few statements, and the heartbeats come from one thread per process that opens
a database connection only when a beat is due and closes it when no job is running. These tests
commit for real (the heartbeat thread's connection sees only committed rows).
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from django.db import connection, connections, transaction

from apps.core.jobs import job_enqueue, job_progress, job_run, job_send
from apps.core.models import Job
from apps.core.tasks import selftest

pytestmark = pytest.mark.django_db(transaction=True)


def _other_connections() -> int:
    """Connections to the test database other than this thread's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


def _connections_once_settled(expected: int | None = None, *, within: float = 3.0) -> int:
    """The count of other connections once it has stopped changing (or reached ``expected``)."""
    deadline = time.monotonic() + within
    count = _other_connections()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        again = _other_connections()
        if again == count and (expected is None or again == expected):
            break
        count = again
    return count


def test_a_job_queued_without_a_worker_runs_at_commit_and_is_recorded_as_sent():
    with transaction.atomic():
        job = job_enqueue(kind="core.selftest", task=selftest)
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED  # not before the commit
    job.refresh_from_db()
    assert (job.status, job.attempts, job.progress, job.message) == (
        Job.Status.SUCCEEDED,
        1,
        100,
        "Self-test running",
    )
    assert job.result == {"attempts": 1, "retries": 0}
    assert job.sent_at is not None and job.send_attempts == 1
    assert job.started_at <= job.finished_at


def test_the_bookkeeping_of_a_short_job_is_a_few_statements(django_assert_num_queries):
    # The row, the session's time limits set, started, the work's progress, finished, limits restored.
    with django_assert_num_queries(6):
        job = job_enqueue(kind="core.selftest", task=selftest)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED


def test_a_job_sent_again_runs_once_however_many_ask():
    """A job whose send failed is claimed by the first poll or sweep that sends it; the others find it taken."""
    job = Job.objects.create(kind="core.selftest", task_name=selftest.name, task_args=[0], send_attempts=1)
    assert job_send(job.pk) is True
    assert job_send(job.pk) is False
    job.refresh_from_db()
    assert (job.status, job.attempts, job.send_attempts) == (Job.Status.SUCCEEDED, 1, 2)


@pytest.mark.parametrize("outcome", ["succeeds", "fails"])
def test_job_run_returns_the_job_as_its_row_stands(outcome):
    job = Job.objects.create(kind="core.hold")

    def work(job):
        job_progress(job, progress=40, message="Halfway")
        if outcome == "fails":
            raise ValueError("The input has no header row")
        return {"rows": 3}

    returned = job_run(job.pk, work)
    row = Job.objects.get(pk=job.pk)
    fields = ("status", "attempts", "progress", "message", "error", "result", "started_at", "finished_at")
    assert {f: getattr(returned, f) for f in fields} == {f: getattr(row, f) for f in fields}
    if outcome == "fails":
        assert (row.status, row.error) == (Job.Status.FAILED, "The input has no header row")
    else:
        assert (row.status, row.result, row.message) == (Job.Status.SUCCEEDED, {"rows": 3}, "Halfway")


def test_a_short_job_opens_no_connection_for_its_heartbeat(settings):
    settings.JOB_HEARTBEAT_INTERVAL = 5
    before = _connections_once_settled()
    during = []
    job = Job.objects.create(kind="core.hold")
    returned = job_run(job.pk, lambda job: during.append(_other_connections()) or {})
    assert returned.status == Job.Status.SUCCEEDED
    assert during == [before]
    job.refresh_from_db()
    assert job.heartbeat_at == job.started_at  # no beat was due: the heartbeat thread wrote nothing


def test_a_long_job_beats_on_one_connection_that_closes_when_it_ends(settings):
    settings.JOB_HEARTBEAT_INTERVAL = 0.2
    before = _connections_once_settled()
    seen = {}

    def work(job):
        seen["first"] = Job.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.7)  # no progress reported: only the heartbeat thread writes
        seen["later"] = Job.objects.get(pk=job.pk).heartbeat_at
        seen["connections"] = _other_connections()
        return {}

    job = Job.objects.create(kind="core.hold")
    assert job_run(job.pk, work).status == Job.Status.SUCCEEDED
    assert seen["later"] > seen["first"]
    assert seen["connections"] == before + 1  # the heartbeat thread's own
    assert _connections_once_settled(before) == before  # closed once no job is running


def test_jobs_running_at_once_each_get_their_heartbeats(settings):
    settings.JOB_HEARTBEAT_INTERVAL = 0.2
    jobs = [Job.objects.create(kind="core.hold") for _ in range(3)]
    errors = []

    def run(job_id, seconds):
        try:
            job_run(job_id, lambda job: time.sleep(seconds) or {})
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job.pk, 0.5 + 0.2 * i)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert errors == []
    for job in jobs:
        job.refresh_from_db()
        assert job.status == Job.Status.SUCCEEDED
        assert job.heartbeat_at > job.started_at  # beaten while it ran
        assert job.heartbeat_at <= job.finished_at  # and not after it ended


def _test_db_dsn() -> str:
    db = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=db["NAME"],
        user=db["USER"] or None,
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )


def test_a_job_row_held_elsewhere_does_not_stop_the_other_jobs_heartbeats(settings):
    """Another transaction holding one running job's row (e.g. its own work's) delays no other job's beat."""
    settings.JOB_HEARTBEAT_INTERVAL = 0.2
    held, other = Job.objects.create(kind="core.hold"), Job.objects.create(kind="core.hold")
    started, release = threading.Event(), threading.Event()

    def wait_for_release(job):
        started.set()
        release.wait(10)
        return {}

    def run_held():
        try:
            job_run(held.pk, wait_for_release)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run_held)
    thread.start()
    try:
        assert started.wait(5)
        with psycopg.connect(_test_db_dsn()) as holder:
            holder.execute("SELECT id FROM core_job WHERE id = %s FOR UPDATE", [held.pk])
            returned = job_run(other.pk, lambda job: time.sleep(0.7) or {})
            holder.rollback()
    finally:
        release.set()
        thread.join(timeout=10)
    assert returned.status == Job.Status.SUCCEEDED
    other.refresh_from_db()
    assert other.heartbeat_at > other.started_at  # beaten while the other row was held
    held.refresh_from_db()
    assert held.status == Job.Status.SUCCEEDED
