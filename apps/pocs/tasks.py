from celery import shared_task

from apps.core.jobs import job_progress, job_run


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def poc_summary_recompute(self, job_id: int):
    """Recompute a PoC's summary (the job's subject); the result is kept on the Job row."""
    from apps.pocs.services import poc_summary_compute

    def work(job):
        job_progress(job, progress=10, message="Reading the PoC")
        return poc_summary_compute(poc_id=job.subject_id)

    job_run(job_id, work, task=self)
