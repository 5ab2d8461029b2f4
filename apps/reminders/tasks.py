"""The reminders' scheduled tasks (Celery beat, ``CELERY_BEAT_SCHEDULE`` in settings)."""

from celery import shared_task

from apps.reminders import services


@shared_task(name="reminders.daily", ignore_result=True)
def daily_task():
    """The day's reminders (once a day at ``REMINDERS_HOUR``)."""
    return services.reminders_run().sent


@shared_task(name="reminders.failed_jobs", ignore_result=True)
def failed_jobs_task():
    """Tell people about their failed jobs soon after they fail (every ``REMINDERS_JOB_INTERVAL`` s)."""
    return services.failed_jobs_send()
