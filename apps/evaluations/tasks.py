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
