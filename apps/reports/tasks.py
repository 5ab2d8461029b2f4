"""The reports' tasks: rendering an export (a job), and the daily cleanup of old exports (Celery beat,
``CELERY_BEAT_SCHEDULE`` in settings)."""

from celery import shared_task

from apps.core.jobs import job_run


@shared_task(bind=True, autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=2)
def report_render_task(self, job_id: int, report_id: int):
    """Render an exported report (``services.report_generate``)."""
    from apps.reports.services import report_generate

    job_run(job_id, lambda job: report_generate(report_id=report_id, job=job), task=self)


@shared_task(name="reports.cleanup", ignore_result=True)
def cleanup_task():
    """Delete the exports past keeping (once a day; ``manage.py reports_cleanup`` does the same by hand)."""
    from apps.reports.services import reports_cleanup

    return reports_cleanup()
