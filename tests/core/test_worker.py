"""A real Celery worker on Redis runs a job that a page enqueued, and the page sees it finish.

Needs Redis (REDIS_URL). Without it the test is skipped, except under CI=true where it fails.
The worker consumes a queue of its own, so a worker running elsewhere on the same Redis never
takes these tasks, and this test never takes theirs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from apps.core.models import Job
from pocportal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60
WORKER_LOCK_TIMEOUT = 2

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _redis_or_skip() -> str:
    url = django_settings.REDIS_URL or os.environ.get("REDIS_URL", "")
    reason = None
    if not url:
        reason = "REDIS_URL is not set"
    else:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
        except redis.RedisError as exc:
            reason = f"Redis at {url} does not answer ({exc})"
    if reason:
        message = f"The Celery worker test needs Redis: {reason}. Start Redis and set REDIS_URL."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true: {message}", pytrace=False)
        pytest.skip(message)
    return url


def _test_database_url() -> str:
    """DATABASE_URL of the test database this process is using (its NAME is the test db now)."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    name = quote(db["NAME"])
    if "/" in host:  # a Unix socket directory
        return f"postgres://{auth}/{name}?host={quote(host, safe='')}&port={port}"
    return f"postgres://{auth}{host}:{port}/{name}"


def _celery_executable() -> str:
    candidate = Path(sys.executable).with_name("celery")
    return str(candidate if candidate.exists() else ROOT / ".venv" / "bin" / "celery")


class Worker:
    """A Celery worker process on a queue of its own, which a test can kill with SIGKILL and start again."""

    def __init__(self, queue: str, redis_url: str, log_path: Path):
        self.queue, self.redis_url, self.log_path = queue, redis_url, log_path
        self.env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "REDIS_URL": redis_url,
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            # Short enough for the tests to see a heartbeat stop and a lock wait end within seconds.
            "JOB_HEARTBEAT_INTERVAL": "1",
            "JOB_LOCK_TIMEOUT": str(WORKER_LOCK_TIMEOUT),
        }
        self.env.pop("TEST_DATABASE_NAME", None)
        self.log = log_path.open("a")
        self.process: subprocess.Popen | None = None

    def start(self) -> subprocess.Popen:
        self.process = subprocess.Popen(
            [
                _celery_executable(), "-A", "pocportal", "worker", "--pool=solo", "--concurrency=1",
                "-l", "info", "-Q", self.queue, "-n", f"{self.queue}@%h", "--without-gossip", "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        return self.process

    def kill(self) -> None:
        """SIGKILL: the worker gets no chance to acknowledge, requeue or record anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.log.close()
        import redis

        client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
        client.delete(self.queue, f"_kombu.binding.{self.queue}")
        # A killed worker leaves its unacknowledged message in Redis, to be restored to this queue later.
        for tag, payload in client.hgetall("unacked").items():
            if self.queue.encode() in payload:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@pytest.fixture
def worker(tmp_path):
    """A running worker on a queue of its own; tasks sent from this process go to that queue."""
    redis_url = _redis_or_skip()
    queue = f"pocportal-test-{uuid.uuid4().hex[:12]}"
    worker = Worker(queue, redis_url, tmp_path / "worker.log")
    worker.start()
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield worker
    finally:
        celery_app.conf.update(saved)
        worker.stop()


@pytest.fixture
def worker_queue(worker):
    """The running worker's process and the path of its log."""
    return worker.process, worker.log_path


def _worker_log(log_path: Path) -> str:
    return log_path.read_text(errors="replace")[-4000:]


def test_a_real_worker_runs_the_summary_job(worker_queue, team, client):
    worker, log_path = worker_queue
    poc, people = team
    client.force_login(people["lead"])

    response = client.post(reverse("pocs:summary", args=[poc.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    job = Job.objects.get(subject_type="pocs.poc", subject_id=poc.pk, kind="poc.summary")
    # Not eager: the answer shows the queued job, polling itself.
    assert job.status == Job.Status.QUEUED, job.status
    assert 'hx-trigger="every 1s"' in response.content.decode()

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            break
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{_worker_log(log_path)}"
        time.sleep(0.25)
    else:
        pytest.fail(f"job still {job.status} after {TIMEOUT} s; worker log:\n{_worker_log(log_path)}")

    assert job.status == Job.Status.SUCCEEDED, f"{job.status}: {job.error}\n{_worker_log(log_path)}"
    assert job.attempts == 1
    assert job.progress == 100
    assert job.started_at and job.finished_at and job.finished_at >= job.started_at
    assert job.result["members"] == 2  # contributor and viewer
    assert job.result["named_people"] == 3
    assert job.result["stage"] == "draft"
    assert job.result["changes_recorded"] >= 3
    assert "Task apps.pocs.tasks.poc_summary_recompute[" in _worker_log(log_path)

    # The status fragment the page polls is final: no more polling, and it says so.
    fragment = client.get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    body = fragment.content.decode()
    assert "hx-trigger" not in body
    assert fragment["HX-Trigger"] == "job-finished"
    assert "Succeeded" in body
    assert re.search(r"<dt>Members</dt><dd>2</dd>", body)


def test_a_real_worker_retries_a_temporary_failure(worker_queue, django_capture_on_commit_callbacks):
    """The first attempt fails with ConnectionError; Celery redelivers it and the second succeeds."""
    from apps.core.jobs import job_enqueue
    from apps.core.tasks import selftest

    worker, log_path = worker_queue
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="core.selftest", task=selftest, args=(1,))

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_final:
            break
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{_worker_log(log_path)}"
        time.sleep(0.25)
    else:
        pytest.fail(f"job still {job.status} after {TIMEOUT} s; worker log:\n{_worker_log(log_path)}")

    assert job.status == Job.Status.SUCCEEDED, f"{job.status}: {job.error}\n{_worker_log(log_path)}"
    assert job.attempts == 2
    assert job.result == {"attempts": 2, "retries": 1}
    log = _worker_log(log_path)
    assert "Retry in" in log, log
    assert "Simulated temporary failure on attempt 1" in log


# --- faults: a killed worker, an unreachable broker, a row lock -----------------------------------


def _wait(job, worker, *, until, seconds, sweep=False):
    """Poll ``job`` until ``until(job)``, calling the sweeper every half second when ``sweep`` (as beat does)."""
    from apps.core.jobs import sweep_jobs

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sweep:
            sweep_jobs()
        job.refresh_from_db()
        if until(job):
            return job
        exited = worker.process.poll()
        assert exited is None, f"the worker exited ({exited}):\n{_worker_log(worker.log_path)}"
        time.sleep(0.5 if sweep else 0.1)
    pytest.fail(f"job still {job.status} ({job.message}) after {seconds} s; log:\n{_worker_log(worker.log_path)}")


@pytest.fixture
def short_job_timeouts(settings):
    """The sweeper's side of the short timeouts (the worker's side is in ``Worker.env``)."""
    settings.JOB_HEARTBEAT_TIMEOUT = 3
    settings.JOB_SEND_RETRY_INTERVAL = 0
    settings.JOB_MAX_ATTEMPTS = 3
    return settings


def test_a_job_whose_worker_is_killed_runs_again_on_the_restarted_worker(
    worker, short_job_timeouts, django_capture_on_commit_callbacks
):
    """SIGKILL of the whole worker mid-job: its heartbeat stops, the sweeper re-queues it, the new worker runs it.

    Bound: the job is re-queued at most JOB_HEARTBEAT_TIMEOUT (3 s here) + one sweep after the kill,
    and then runs again (3 s of work here), instead of staying "running" until the visibility timeout.
    """
    from apps.core.jobs import job_enqueue
    from apps.core.tasks import hold

    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="core.hold", task=hold, args=(3.0,))
    _wait(job, worker, until=lambda j: j.status == Job.Status.RUNNING and j.progress >= 10, seconds=20)
    worker.kill()
    worker.start()

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING  # nothing else would ever change that
    killed_at = timezone.now()
    _wait(job, worker, until=lambda j: j.is_final, seconds=20, sweep=True)
    assert job.status == Job.Status.SUCCEEDED, f"{job.status}: {job.error}\n{_worker_log(worker.log_path)}"
    assert job.attempts == 2
    assert job.started_at > killed_at  # run again from the start, on the new worker
    assert job.result == {"attempts": 2, "held_seconds": 3.0}


def test_a_job_whose_worker_keeps_dying_fails_with_a_message(
    worker, short_job_timeouts, django_capture_on_commit_callbacks
):
    """With one attempt allowed, the killed worker's job is failed with a readable message, not left running."""
    from apps.core.jobs import job_enqueue
    from apps.core.tasks import hold

    short_job_timeouts.JOB_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="core.hold", task=hold, args=(5.0,))
    _wait(job, worker, until=lambda j: j.status == Job.Status.RUNNING and j.progress >= 10, seconds=20)
    worker.kill()
    worker.start()

    _wait(job, worker, until=lambda j: j.is_final, seconds=12, sweep=True)
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("The worker stopped while running this job (no sign of life for ")
    assert job.error.endswith("and it was not run again after 1 attempts; start it again.")


def _point_broker_at(url: str) -> str:
    """Send tasks from this process to ``url`` from now on; returns the previous broker URL."""
    previous = celery_app.conf.broker_url
    celery_app.conf.broker_url = url
    celery_app._pool = None  # what Celery does after a fork: the next send opens a new connection
    celery_app.amqp._producer_pool = None
    return previous


def test_with_the_broker_down_the_user_is_told_and_the_job_is_sent_when_it_is_back(
    worker, short_job_timeouts, team, client
):
    poc, people = team
    client.force_login(people["lead"])
    redis_url = _point_broker_at("redis://127.0.0.1:1/0")  # nothing listens there
    try:
        response = client.post(reverse("pocs:summary", args=[poc.pk]), HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Waiting for the job queue; it will be sent when it is back." in body
        assert 'hx-trigger="every 1s"' in body  # the page keeps polling
        job = Job.objects.get(subject_type="pocs.poc", subject_id=poc.pk, kind="poc.summary")
        assert (job.status, job.sent_at, job.send_attempts) == (Job.Status.QUEUED, None, 1)

        # Still down: a poll tries again and says the same.
        fragment = client.get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true")
        assert fragment.status_code == 200
        assert "Waiting for the job queue" in fragment.content.decode()
        job.refresh_from_db()
        assert (job.status, job.sent_at, job.send_attempts) == (Job.Status.QUEUED, None, 2)
    finally:
        _point_broker_at(redis_url)

    # The broker is back: the sweeper (beat) sends it and the worker runs it.
    _wait(job, worker, until=lambda j: j.is_final, seconds=15, sweep=True)
    assert job.status == Job.Status.SUCCEEDED, f"{job.status}: {job.error}\n{_worker_log(worker.log_path)}"
    assert job.send_attempts == 3 and job.sent_at is not None
    assert job.result["members"] == 2
    fragment = client.get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Succeeded" in fragment and "Waiting for the job queue" not in fragment


def test_a_task_blocked_on_a_row_lock_ends_at_its_lock_timeout(worker, django_capture_on_commit_callbacks):
    """Another connection holds SELECT … FOR UPDATE on a row the task needs: the task fails at lock_timeout."""
    import psycopg

    from apps.core.jobs import job_enqueue
    from apps.core.tasks import hold

    locked = Job.objects.create(kind="core.hold", status=Job.Status.SUCCEEDED)
    with psycopg.connect(_test_database_url()) as holder:  # autocommit off: the lock lasts until the end
        holder.execute("SELECT id FROM core_job WHERE id = %s FOR UPDATE", [locked.pk])
        with django_capture_on_commit_callbacks(execute=True):
            job = job_enqueue(kind="core.hold", task=hold, args=(0, locked.pk))
        _wait(job, worker, until=lambda j: j.is_final, seconds=WORKER_LOCK_TIMEOUT + 15)
        holder.rollback()
    assert job.status == Job.Status.FAILED
    assert job.error == f"The database stayed locked for {WORKER_LOCK_TIMEOUT} s; try again"
    assert job.attempts == 1
