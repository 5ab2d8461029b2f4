"""Services for Job rows: create-and-enqueue, and the state changes a task makes.

A task runs its work through ``job_run(job_id, work, task=self)``:

- a job that is already final (succeeded or failed) is not run again, so a redelivered task is
  harmless;
- an exception the task may retry (a ``RetryableError``, one of the task's ``autoretry_for`` types,
  or one listed in ``retry_on``) leaves the job ``retrying`` with a message such as "Temporary
  failure, retrying (attempt 2 of 4)" and hands the retry to Celery; after the last allowed
  attempt the job is marked failed;
- any other exception marks the job failed with a message a person can read.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import models, transaction
from django.utils import timezone

from apps.core.models import Job

logger = logging.getLogger(__name__)


class RetryableError(Exception):
    """A temporary failure: the job's task runs again (within its ``max_retries``)."""


def job_enqueue(*, kind: str, task, subject: models.Model | None = None, user=None, args: tuple = ()) -> Job:
    """Create a queued Job about ``subject`` and send ``task(job.id, *args)`` once the transaction commits."""
    job = Job.objects.create(kind=kind, created_by=user, **Job.subject_of(subject))
    transaction.on_commit(lambda: task.delay(job.id, *args))
    return job


def job_run(
    job_id: int,
    work: Callable[[Job], dict],
    *,
    task=None,
    retry_on: tuple[type[BaseException], ...] = (),
) -> Job | None:
    """Run ``work(job)`` for a task: mark running, then record success, a retry or a readable failure.

    ``task`` is the bound Celery task (``self`` in a ``bind=True`` task); without it nothing is
    retried. Retryable exceptions are ``RetryableError``, the task's ``autoretry_for`` and ``retry_on``.
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
        retryable = (RetryableError, *retry_on, *_autoretry_for(task))
        message = str(exc) or exc.__class__.__name__
        if isinstance(exc, retryable) and task is not None:
            if _can_retry(task):
                _mark_retrying(job, task, message)
                if isinstance(exc, _autoretry_for(task)):
                    raise  # the task's autoretry schedules the next attempt with its backoff
                raise task.retry(exc=exc) from exc
            logger.exception("job %s (%s) failed after %s attempts", job.pk, job.kind, job.attempts)
            message = f"{message} (gave up after {job.attempts} attempts)"
        else:
            logger.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, error=message, finished_at=timezone.now())
    else:
        Job.objects.filter(pk=job.pk).update(
            status=Job.Status.SUCCEEDED, progress=100, error="", result=result or {}, finished_at=timezone.now()
        )
    job.refresh_from_db()
    return job


def job_progress(job: Job, *, progress: int, message: str = "") -> None:
    Job.objects.filter(pk=job.pk).update(progress=max(0, min(100, progress)), message=message[:255])


def _autoretry_for(task) -> tuple[type[BaseException], ...]:
    return tuple(getattr(task, "autoretry_for", ()) or ()) if task is not None else ()


def _can_retry(task) -> bool:
    """Whether Celery will run the task again: it runs in a worker (or eagerly) with retries left."""
    request = task.request
    if request.called_directly:
        return False
    return task.max_retries is None or request.retries < task.max_retries


def _mark_retrying(job: Job, task, reason: str) -> None:
    upcoming = task.request.retries + 2
    total = "" if task.max_retries is None else f" of {task.max_retries + 1}"
    logger.warning("job %s (%s) failed temporarily, retrying: %s", job.pk, job.kind, reason)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RETRYING,
        message=f"Temporary failure, retrying (attempt {upcoming}{total})"[:255],
        error=reason,
    )
