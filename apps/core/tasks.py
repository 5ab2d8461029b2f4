"""A diagnostic task that exercises the job machinery end to end.

``core.selftest`` is not used by any page. Operators (and the test suite) can run it to check
that a worker picks up jobs and that temporary failures are retried: its work raises
``ConnectionError`` on the first ``fail_times`` attempts, then succeeds and records how many
attempts it took. Enqueue it with ``job_enqueue(kind="core.selftest", task=selftest, args=(n,))``.
"""

from celery import shared_task

from apps.core.jobs import job_progress, job_run


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
