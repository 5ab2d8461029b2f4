"""A real Celery worker on Redis runs a job that a page enqueued, and the page sees it finish.

Needs Redis (REDIS_URL). Without it the test is skipped, except under CI=true where it fails.
The worker consumes a queue of its own, so a worker running elsewhere on the same Redis never
takes these tasks, and this test never takes theirs.
"""

from __future__ import annotations

import os
import re
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

from apps.core.models import Job
from pocportal.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60

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


@pytest.fixture
def worker_queue(tmp_path):
    """A running worker on a queue of its own; tasks sent from this process go to that queue."""
    redis_url = _redis_or_skip()
    queue = f"pocportal-test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": redis_url,
        "CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("TEST_DATABASE_NAME", None)
    log_path = tmp_path / "worker.log"
    log = log_path.open("w")
    worker = subprocess.Popen(
        [
            _celery_executable(), "-A", "pocportal", "worker", "--pool=solo", "--concurrency=1",
            "-l", "info", "-Q", queue, "-n", f"{queue}@%h", "--without-gossip", "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    celery_app.conf.task_always_eager = False
    celery_app.conf.task_default_queue = queue
    try:
        yield worker, log_path
    finally:
        celery_app.conf.update(saved)
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=5)
        log.close()
        import redis

        client = redis.Redis.from_url(redis_url, socket_connect_timeout=2)
        client.delete(queue, f"_kombu.binding.{queue}")


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
