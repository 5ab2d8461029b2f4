"""Jobs: a generic subject read through selectors, one run per job, and retries that really retry.

Tasks run in-process here (the ``_jobs_in_process`` fixture makes Celery eager), so a retry runs
at once instead of after its backoff. ``tests/core/test_worker.py`` repeats the retry on a real
worker.
"""

from __future__ import annotations

import pytest
from celery.exceptions import Retry
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from apps.core.jobs import RetryableError, job_enqueue, job_run
from apps.core.models import Job
from apps.core.selectors import job_for, latest_job
from apps.core.tasks import selftest
from tests.factories import make_poc

pytestmark = pytest.mark.django_db


def _run_on_commit(django_capture_on_commit_callbacks, **enqueue):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(**enqueue)
    job.refresh_from_db()
    return job


class _AsTask:
    """Run ``job_run`` as if ``task`` were executing in a worker, on its ``retries``-th retry."""

    def __init__(self, task, retries=0):
        self.task, self.retries = task, retries

    def __enter__(self):
        self.task.push_request(retries=self.retries, called_directly=False, is_eager=True, args=[], kwargs={})
        return self.task

    def __exit__(self, *exc):
        self.task.pop_request()


# --- generic subject and selectors ---------------------------------------------------------------


def test_a_job_names_its_subject_and_the_selectors_find_it(poc, people, django_capture_on_commit_callbacks):
    first = _run_on_commit(django_capture_on_commit_callbacks, kind="core.selftest", task=selftest, subject=poc)
    second = _run_on_commit(django_capture_on_commit_callbacks, kind="core.selftest", task=selftest, subject=poc)
    other_poc = make_poc(lead=people["outsider"], name="Another PoC")
    elsewhere = job_enqueue(kind="core.selftest", task=selftest, subject=other_poc, user=people["outsider"])

    assert (first.subject_type, first.subject_id) == ("pocs.poc", poc.pk)
    assert latest_job(poc, "core.selftest") == second
    assert latest_job(poc, "poc.summary") is None
    assert job_for(poc, first.pk) == first
    assert job_for(poc, elsewhere.pk) is None  # another PoC's job is not found through this one
    assert job_for(other_poc, elsewhere.pk) == elsewhere


def test_another_pocs_job_is_not_shown_on_this_pocs_page(client_for, poc, people):
    other_poc = make_poc(lead=people["outsider"], name="Another PoC")
    job = job_enqueue(kind="poc.summary", task=selftest, subject=other_poc, user=people["outsider"])
    client = client_for(people["lead"])
    assert client.get(reverse("pocs:job", args=[poc.pk, job.pk])).status_code == 404
    assert client.get(reverse("pocs:job", args=[other_poc.pk, job.pk])).status_code == 404  # not on that PoC


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_each_jobs_poc(poc):
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([("core", "0001_initial")])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO core_job (kind, poc_id, status, progress, message, error, attempts, result, created_at)"
                " VALUES ('poc.summary', %s, 'succeeded', 100, '', '', 1, '{\"members\": 2}', now()) RETURNING id",
                [poc.pk],
            )
            job_id = cursor.fetchone()[0]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)

    job = Job.objects.get(pk=job_id)
    assert (job.subject_type, job.subject_id) == ("pocs.poc", poc.pk)
    assert job.result == {"members": 2}
    assert latest_job(poc, "poc.summary") == job


# --- one run per job -----------------------------------------------------------------------------


def test_a_finished_job_is_not_run_again_on_redelivery(django_capture_on_commit_callbacks):
    job = _run_on_commit(django_capture_on_commit_callbacks, kind="core.selftest", task=selftest)
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["attempts"] == 1

    selftest.apply(args=(job.pk,))  # the broker delivers the same message again
    job.refresh_from_db()
    assert job.attempts == 1
    assert job.result["attempts"] == 1


def test_job_run_skips_the_work_of_a_final_job(django_capture_on_commit_callbacks):
    calls = []
    job = Job.objects.create(kind="core.selftest")
    assert job_run(job.pk, lambda j: calls.append(j.pk) or {"run": len(calls)}).status == Job.Status.SUCCEEDED
    again = job_run(job.pk, lambda j: calls.append(j.pk) or {"run": len(calls)})
    assert calls == [job.pk]
    assert again.result == {"run": 1}

    failed = Job.objects.create(kind="core.selftest", status=Job.Status.FAILED, error="Gone")
    job_run(failed.pk, lambda j: calls.append(j.pk) or {})
    failed.refresh_from_db()
    assert calls == [job.pk]
    assert (failed.status, failed.error, failed.attempts) == (Job.Status.FAILED, "Gone", 0)


# --- retries -------------------------------------------------------------------------------------


def test_a_temporary_failure_is_retried_and_the_job_succeeds(django_capture_on_commit_callbacks):
    job = _run_on_commit(django_capture_on_commit_callbacks, kind="core.selftest", task=selftest, args=(1,))
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.result == {"attempts": 2, "retries": 1}
    assert job.error == ""


def test_temporary_failures_stop_after_the_last_retry(django_capture_on_commit_callbacks):
    job = _run_on_commit(django_capture_on_commit_callbacks, kind="core.selftest", task=selftest, args=(99,))
    assert job.status == Job.Status.FAILED
    assert job.attempts == selftest.max_retries + 1 == 4
    assert job.error == "Simulated temporary failure on attempt 4 (gave up after 4 attempts)"
    assert job.is_final


def test_a_retrying_job_says_so_and_the_page_keeps_polling(client_for, poc, people):
    job = job_enqueue(kind="poc.summary", task=selftest, subject=poc, user=people["lead"])

    def work(job):
        raise ConnectionError("The database did not answer")

    with _AsTask(selftest, retries=0) as task, pytest.raises(ConnectionError):
        job_run(job.pk, work, task=task)  # re-raised so that the task's autoretry schedules attempt 2
    job.refresh_from_db()
    assert job.status == Job.Status.RETRYING
    assert job.message == "Temporary failure, retrying (attempt 2 of 4)"
    assert job.attempts == 1

    body = client_for(people["lead"]).get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true")
    html = body.content.decode()
    assert "Retrying" in html
    assert "Temporary failure, retrying (attempt 2 of 4)" in html
    assert 'hx-trigger="every 1s"' in html
    assert "HX-Trigger" not in body


def test_a_retryable_error_outside_autoretry_for_asks_celery_to_retry():
    job = Job.objects.create(kind="core.selftest")

    def work(job):
        raise RetryableError("The model endpoint is busy")

    with _AsTask(selftest, retries=1) as task, pytest.raises(Retry):
        job_run(job.pk, work, task=task)
    job.refresh_from_db()
    assert job.status == Job.Status.RETRYING
    assert job.message == "Temporary failure, retrying (attempt 3 of 4)"


def test_any_other_error_fails_the_job_at_once_with_a_readable_message():
    job = Job.objects.create(kind="core.selftest")

    def work(job):
        raise ValueError("The PoC has no lead")

    with _AsTask(selftest, retries=0) as task:
        result = job_run(job.pk, work, task=task)  # not re-raised: nothing to retry
    assert result.status == Job.Status.FAILED
    assert result.error == "The PoC has no lead"
    assert result.attempts == 1


def test_without_a_task_a_temporary_failure_fails_the_job():
    job = Job.objects.create(kind="core.selftest")

    def work(job):
        raise ConnectionError("Redis is down")

    result = job_run(job.pk, work)
    assert result.status == Job.Status.FAILED
    assert result.error == "Redis is down"


def test_the_summary_job_recovers_from_a_temporary_failure(
    client_for, poc, people, monkeypatch, django_capture_on_commit_callbacks
):
    from apps.pocs import services

    real = services.poc_summary_compute
    calls = []

    def flaky(*, poc_id):
        calls.append(poc_id)
        if len(calls) == 1:
            raise ConnectionError("The database did not answer")
        return real(poc_id=poc_id)

    monkeypatch.setattr(services, "poc_summary_compute", flaky)
    client = client_for(people["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("pocs:summary", args=[poc.pk]), HTTP_HX_REQUEST="true")
    job = latest_job(poc, "poc.summary")
    assert calls == [poc.pk, poc.pk]
    assert job.status == Job.Status.SUCCEEDED, job.error
    assert job.attempts == 2
    assert job.result["members"] == 2
    fragment = client.get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Succeeded" in fragment
