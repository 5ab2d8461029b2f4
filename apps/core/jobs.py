"""Services for Job rows: create-and-enqueue, and the state changes a task makes."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from apps.core.models import Job

logger = logging.getLogger(__name__)


def job_enqueue(*, kind: str, task, poc=None, user=None, args: tuple = ()) -> Job:
    """Create a queued Job and send ``task(job.id, *args)`` once the current transaction commits."""
    job = Job.objects.create(kind=kind, poc=poc, created_by=user)
    transaction.on_commit(lambda: task.delay(job.id, *args))
    return job


def job_run(job_id: int, work: Callable[[Job], dict]) -> Job | None:
    """Run ``work(job)`` for a task: mark running, record success or a readable failure.

    A job that is already final is not run again, so a redelivered task is harmless.
    """
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            logger.warning("job %s no longer exists", job_id)
            return None
        if job.is_final:
            return job
        job.status = Job.Status.RUNNING
        job.attempts += 1
        job.started_at = timezone.now()
        job.save(update_fields=["status", "attempts", "started_at"])
    try:
        result = work(job)
    except Exception as exc:  # the message is shown to the user; the traceback goes to the log
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.FAILED, error=str(exc) or exc.__class__.__name__, finished_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, progress=100, result=result or {}, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def job_progress(job: Job, *, progress: int, message: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(progress=max(0, min(100, progress)), message=message[:255])
