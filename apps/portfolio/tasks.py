from celery import shared_task

from apps.core.jobs import job_run


@shared_task(
    bind=True, name="portfolio.refresh_summary", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3
)
def refresh_summary(self, job_id: int):
    """Recompute the summary of the job's PoC (the job's subject)."""
    from apps.portfolio.services import summary_refresh

    def work(job):
        summary = summary_refresh(poc_id=job.subject_id)
        return None if summary is None else {"risk_level": summary.risk_level, "criteria_met": summary.criteria_met}

    job_run(job_id, work, task=self)


@shared_task(name="portfolio.refresh_summaries", autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=3)
def refresh_summaries():
    """Refresh the summaries judged before today (beat runs it hourly; a day's first run does the work)."""
    from apps.portfolio.services import summaries_refresh

    return summaries_refresh(stale_only=True)
