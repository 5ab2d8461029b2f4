from celery import shared_task

from apps.core.jobs import job_run


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def eval_run_compute_task(self, job_id: int, resamples: int, seed: int):
    """Compute an evaluation run (the job's subject) from its stored file; see ``services.eval_run_compute``."""
    from apps.evaluations.services import eval_run_compute

    job_run(job_id, lambda job: eval_run_compute(run_id=job.subject_id, job=job, resamples=resamples, seed=seed),
            task=self)


@shared_task(bind=True, acks_late=True)
def harness_run_task(self, job_id: int):
    """Call a live run's model endpoint over its dataset's items (the job's subject); see
    ``services.harness_run_execute``. Never retried: a second attempt would call the model again."""
    from apps.evaluations.services import harness_run_execute

    job_run(job_id, lambda job: harness_run_execute(run_id=job.subject_id, job=job), task=self)


@shared_task(bind=True, acks_late=True)
def load_test_task(self, job_id: int):
    """Run a load test (the job's subject); see ``services.load_test_execute``. Never retried: a second
    attempt would load the endpoint again."""
    from apps.evaluations.services import load_test_execute

    job_run(job_id, lambda job: load_test_execute(load_test_id=job.subject_id, job=job), task=self)



@shared_task(bind=True, acks_late=True)
def monitoring_run_task(self, job_id: int):
    """A drift watch's re-run (the job's subject); see ``services.monitoring_run_execute``. Never retried: the
    next scheduled run comes anyway."""
    from apps.evaluations.services import monitoring_run_execute

    job_run(job_id, lambda job: monitoring_run_execute(monitoring_run_id=job.subject_id, job=job), task=self)


@shared_task(name="evaluations.monitoring_due", ignore_result=True)
def monitoring_due_task():
    """The daily check (beat, ``MONITORING_HOUR``): start the drift re-runs that are due."""
    from apps.evaluations.services import monitoring_due

    return len(monitoring_due())
