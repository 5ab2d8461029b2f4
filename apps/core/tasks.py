"""Core's tasks: the job sweeper, and diagnostic tasks that exercise the job machinery end to end.

``core.sweep_jobs`` runs on Celery beat every ``JOB_SWEEP_INTERVAL`` seconds (``CELERY_BEAT_SCHEDULE`` in
settings): it sends the jobs the broker refused and re-queues or fails the jobs
whose worker stopped (``apps.core.jobs.sweep_jobs``). ``core.jobs_cleanup`` runs every day at 02:45 UTC and deletes
the final jobs older than ``JOB_KEEP_DAYS`` days (``apps.core.jobs.jobs_cleanup``).

``core.selftest`` and ``core.hold`` are not used by any page. Operators (and the test suite) run
them to check a worker: ``selftest`` raises ``ConnectionError`` on the first ``fail_times``
attempts, then succeeds and records how many attempts it took (retries work); ``hold`` reports
progress for a few seconds (a worker killed meanwhile leaves a job the sweeper must recover), or
waits for a lock on another job's row (a query stuck on a lock ends at ``JOB_LOCK_TIMEOUT``).
Enqueue them with ``job_enqueue(kind="core.selftest", task=selftest, args=(n,))``.
"""

import time

from celery import shared_task
from django.db import transaction

from apps.core.jobs import job_progress, job_run, jobs_cleanup, sweep_jobs
from apps.core.models import Job


@shared_task(
    bind=True,
    name="core.selftest",
    autoretry_for=(ConnectionError,),
    retry_backoff=1,
    retry_backoff_max=2,
    max_retries=3,
)
def selftest(self, job_id: int, fail_times: int = 0):
    """Fail with ``ConnectionError`` on the first ``fail_times`` attempts, then succeed."""

    def work(job):
        if job.attempts <= fail_times:
            raise ConnectionError(f"Simulated temporary failure on attempt {job.attempts}")
        job_progress(job, progress=50, message="Self-test running")
        return {"attempts": job.attempts, "retries": self.request.retries}

    job_run(job_id, work, task=self)


@shared_task(bind=True, name="core.hold")
def hold(self, job_id: int, seconds: float = 3.0, lock_job_id: int | None = None):
    """Report progress for ``seconds``; or, given ``lock_job_id``, lock that job's row (``SELECT … FOR UPDATE``)."""

    def work(job):
        if lock_job_id is not None:
            job_progress(job, progress=10, message=f"Waiting for a lock on job {lock_job_id}")
            with transaction.atomic():
                locked = Job.objects.select_for_update().filter(pk=lock_job_id).values_list("pk", flat=True)
                return {"locked": list(locked), "attempts": job.attempts}
        steps = max(1, round(seconds / 0.2))
        for step in range(steps):
            job_progress(job, progress=100 * step // steps, message=f"Holding ({step + 1} of {steps})")
            time.sleep(seconds / steps)
        return {"attempts": job.attempts, "held_seconds": seconds}

    job_run(job_id, work, task=self)


@shared_task(name="core.sweep_jobs", ignore_result=True)
def sweep_jobs_task():
    """Send the jobs the broker refused; re-queue or fail the jobs whose worker stopped."""
    return sweep_jobs()


@shared_task(name="core.jobs_cleanup", ignore_result=True)
def jobs_cleanup_task():
    """Delete the final jobs past keeping (once a day; ``manage.py jobs_cleanup`` does the same by hand)."""
    return jobs_cleanup()
