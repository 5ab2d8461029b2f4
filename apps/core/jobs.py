"""Services for Job rows: create-and-send, the state changes a task makes, and the sweeper.

A task runs its work through ``job_run(job_id, work, task=self)``:

- a job that is already final (succeeded or failed) is not run again, so a redelivered task is
  harmless;
- an exception the task may retry (a ``RetryableError``, one of the task's ``autoretry_for`` types,
  or one listed in ``retry_on``) leaves the job ``retrying`` with a message such as "Temporary
  failure, retrying (attempt 2 of 4)" and hands the retry to Celery; after the last allowed
  attempt the job is marked failed;
- any other exception marks the job failed with a message a person can read;
- while the work runs, a thread writes the job's ``heartbeat_at`` every ``JOB_HEARTBEAT_INTERVAL``
  seconds, and the database session has ``lock_timeout`` / ``statement_timeout`` set
  (``JOB_LOCK_TIMEOUT`` / ``JOB_STATEMENT_TIMEOUT``), so a query stuck on a lock ends.

Nothing leaves a job waiting for ever. ``job_enqueue`` sends the task after commit; when the broker
is unreachable the job stays ``queued`` with "Waiting for the job queue…" instead of the request
failing. ``sweep_jobs`` (a beat task every ``JOB_SWEEP_INTERVAL`` seconds, ``manage.py sweep_jobs``,
and ``job_check`` on each poll of a job's status) sends such jobs again, and re-queues, up to
``JOB_MAX_ATTEMPTS`` runs, or fails a job whose heartbeat is older than ``JOB_HEARTBEAT_TIMEOUT``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from apps.core.models import Job

logger = logging.getLogger(__name__)

WAITING_FOR_QUEUE = "Waiting for the job queue; it will be sent when it is back"
# What publishing a task raises when the broker cannot be reached (kombu wraps most of them).
BROKER_ERRORS: tuple[type[BaseException], ...] = (BrokerOperationalError, OSError)
try:  # the redis client is installed with Celery's redis extra; its errors are not OSErrors
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    BROKER_ERRORS += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover
    pass

ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING, Job.Status.RETRYING)


class RetryableError(Exception):
    """A temporary failure: the job's task runs again (within its ``max_retries``)."""


# --- sending -------------------------------------------------------------------------------------


def job_enqueue(*, kind: str, task, subject: models.Model | None = None, user=None, args: tuple = ()) -> Job:
    """Create a queued Job about ``subject`` and send ``task(job.id, *args)`` once the transaction commits.

    If the broker cannot be reached the request still succeeds: the job stays queued with
    ``WAITING_FOR_QUEUE`` as its message and the sweeper sends it when the broker is back.
    """
    job = Job.objects.create(
        kind=kind, created_by=user, task_name=task.name, task_args=list(args), **Job.subject_of(subject)
    )
    transaction.on_commit(lambda: job_send(job.pk))
    return job


def job_send(job_id: int) -> bool:
    """Send a queued job's task if it was never accepted by the broker; True when it was sent now.

    The job row is locked while sending and ``sent_at`` is set in the same transaction, so the
    request's own send, the sweeper and a page poll never send the same job twice.
    """
    task = _task(Job.objects.filter(pk=job_id).values_list("task_name", flat=True).first())
    if task is None:
        return False
    if task.app.conf.task_always_eager:
        # In-process: "sending" runs the job here and now, outside any lock.
        now = timezone.now()
        claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, sent_at__isnull=True).update(
            sent_at=now, send_attempted_at=now, send_attempts=F("send_attempts") + 1
        )
        if claimed:
            job = Job.objects.get(pk=job_id)
            task.apply_async(args=[job.pk, *job.task_args])
        return bool(claimed)
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(pk=job_id, status=Job.Status.QUEUED, sent_at__isnull=True)
            .first()
        )
        if job is None:
            return False
        job.send_attempts += 1
        job.send_attempted_at = timezone.now()
        fields = ["send_attempts", "send_attempted_at", "message"]
        try:
            task.apply_async(args=[job.pk, *job.task_args])
        except BROKER_ERRORS as exc:
            logger.warning("job %s (%s) could not be sent, the broker is unreachable: %s", job.pk, job.kind, exc)
            job.message = WAITING_FOR_QUEUE
            job.save(update_fields=fields)
            return False
        job.sent_at = timezone.now()
        if job.message == WAITING_FOR_QUEUE:
            job.message = ""
        job.save(update_fields=[*fields, "sent_at"])
        return True


def _task(name: str | None):
    """The registered Celery task called ``name`` (task modules are imported on first need)."""
    if not name:
        return None
    app = current_app
    if name not in app.tasks:
        app.loader.import_default_modules()
    return app.tasks.get(name)


# --- running -------------------------------------------------------------------------------------


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
    with _database_timeouts():
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=job_id).first()
            if job is None:
                logger.warning("job %s no longer exists", job_id)
                return None
            if job.is_final:
                return job
            now = timezone.now()
            job.status = Job.Status.RUNNING
            job.attempts += 1
            job.started_at = now
            job.heartbeat_at = now
            job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at"])
        try:
            with _heartbeat(job.pk):
                result = work(job)
        except Exception as exc:  # the message is shown to the user; the traceback goes to the log
            retryable = (RetryableError, *retry_on, *_autoretry_for(task))
            message = _describe(exc)
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
    """Record how far the job got (0–100) and what it is doing; also a sign of life."""
    Job.objects.filter(pk=job.pk).update(
        progress=max(0, min(100, progress)), message=message[:255], heartbeat_at=timezone.now()
    )


@contextmanager
def _heartbeat(job_id: int) -> Iterator[None]:
    """Write ``heartbeat_at`` from a thread of its own every ``JOB_HEARTBEAT_INTERVAL`` s while the work runs.

    The thread beats even while the work waits on the database or the network; it stops when the
    work ends, and dies with the process, which is what the sweeper notices.
    """
    interval = max(0.1, float(settings.JOB_HEARTBEAT_INTERVAL))
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(interval):
                try:
                    Job.objects.filter(pk=job_id, status__in=ACTIVE).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:
                    logger.warning("job %s: heartbeat not written: %s", job_id, exc)
        finally:
            connections.close_all()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=5)


@contextmanager
def _database_timeouts() -> Iterator[None]:
    """Set PostgreSQL's ``lock_timeout`` and ``statement_timeout`` for this session, then put them back.

    Celery's time limits cannot interrupt a query waiting inside the database (and the solo pool
    has none); these make the database end it with an error ``_describe`` turns into a message.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('lock_timeout'), current_setting('statement_timeout')")
        previous = cursor.fetchone()
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
            [f"{settings.JOB_LOCK_TIMEOUT}s", f"{settings.JOB_STATEMENT_TIMEOUT}s"],
        )
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)",
                    list(previous),
                )
        except DatabaseError:  # an aborted transaction or a lost connection: Django resets it
            logger.debug("database timeouts not restored", exc_info=True)


def _describe(exc: BaseException) -> str:
    """A message a person can act on, for the exception that ended a job's work."""
    from psycopg import errors as pg

    cause = exc.__cause__ if isinstance(exc, DatabaseError) else exc
    if isinstance(cause, pg.LockNotAvailable):
        return f"The database stayed locked for {settings.JOB_LOCK_TIMEOUT} s; try again"
    if isinstance(cause, pg.QueryCanceled):
        return f"A database query ran longer than {settings.JOB_STATEMENT_TIMEOUT} s and was stopped; try again"
    if isinstance(exc, SoftTimeLimitExceeded):
        return f"The job ran longer than {settings.CELERY_TASK_SOFT_TIME_LIMIT} s and was stopped; try again"
    return str(exc) or exc.__class__.__name__


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
        heartbeat_at=timezone.now(),
    )


# --- the sweeper ---------------------------------------------------------------------------------


def _stale(now=None) -> Q:
    """Jobs whose task stopped giving signs of life: running, or retrying past its longest backoff."""
    now = now or timezone.now()
    timeout = timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    retry_wait = timedelta(seconds=settings.JOB_RETRY_WAIT)
    return Q(status=Job.Status.RUNNING, last_seen__lt=now - timeout) | Q(
        status=Job.Status.RETRYING, last_seen__lt=now - timeout - retry_wait
    )


def _unsent(now=None) -> Q:
    """Queued jobs the broker has not accepted, whose last attempt is ``JOB_SEND_RETRY_INTERVAL`` old."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.JOB_SEND_RETRY_INTERVAL)
    return Q(status=Job.Status.QUEUED, sent_at__isnull=True, send_attempts__gt=0, send_attempted_at__lte=due)


def _with_last_seen(queryset):
    return queryset.annotate(last_seen=Coalesce("heartbeat_at", "started_at", "created_at"))


def job_recover(job_id: int) -> Job | None:
    """Re-queue (up to ``JOB_MAX_ATTEMPTS`` runs) or fail a job whose heartbeat stopped; None if it is alive."""
    requeue = False
    with transaction.atomic():
        job = (
            _with_last_seen(Job.objects.select_for_update(skip_locked=True, of=("self",)))
            .filter(_stale(), pk=job_id)
            .first()
        )
        if job is None:
            return None
        silent = int((timezone.now() - job.last_seen).total_seconds())
        limit = settings.JOB_MAX_ATTEMPTS
        if job.attempts < limit and _task(job.task_name) is not None:
            logger.warning("job %s (%s): no heartbeat for %s s, re-queued", job.pk, job.kind, silent)
            job.status = Job.Status.QUEUED
            job.sent_at = None
            job.message = (
                f"The worker stopped while running this job; it will run again (attempt {job.attempts + 1} of {limit})"
            )
            job.save(update_fields=["status", "sent_at", "message"])
            requeue = True
        else:
            logger.error("job %s (%s): no heartbeat for %s s, failed", job.pk, job.kind, silent)
            job.status = Job.Status.FAILED
            job.error = (
                f"The worker stopped while running this job (no sign of life for {silent} s) "
                f"and it was not run again after {job.attempts} attempts; start it again."
            )
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "error", "finished_at"])
    if requeue:
        job_send(job.pk)
    job.refresh_from_db()
    return job


def job_give_up_sending(job_id: int) -> bool:
    """Fail a job the broker has refused for ``JOB_QUEUE_WAIT_LIMIT`` seconds; True when it was failed."""
    minutes = max(1, settings.JOB_QUEUE_WAIT_LIMIT // 60)
    return bool(
        Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, sent_at__isnull=True).update(
            status=Job.Status.FAILED,
            error=f"The job queue was unreachable for {minutes} min, so the job never started; start it again.",
            message="",
            finished_at=timezone.now(),
        )
    )


def sweep_jobs() -> dict[str, int]:
    """Send the jobs the broker refused and recover the jobs whose worker died; counts of each outcome.

    Run by Celery beat (``core.sweep_jobs``) when Redis is configured, by ``manage.py sweep_jobs``,
    and for one job at a time by ``job_check`` when a page polls it.
    """
    now = timezone.now()
    counts = {"sent": 0, "still_waiting": 0, "gave_up_sending": 0, "requeued": 0, "failed": 0}
    too_old = now - timedelta(seconds=settings.JOB_QUEUE_WAIT_LIMIT)
    for job_id, created_at in Job.objects.filter(_unsent(now)).values_list("pk", "created_at")[:500]:
        if created_at < too_old:
            counts["gave_up_sending"] += job_give_up_sending(job_id)
        elif job_send(job_id):
            counts["sent"] += 1
        else:
            counts["still_waiting"] += 1
    for job_id in _with_last_seen(Job.objects.all()).filter(_stale(now)).values_list("pk", flat=True)[:500]:
        job = job_recover(job_id)
        if job is not None:
            counts["failed" if job.status == Job.Status.FAILED else "requeued"] += 1
    if any(counts.values()):
        logger.info("job sweep: %s", counts)
    return counts


def job_check(job: Job) -> Job:
    """Called when a page polls ``job``: send it if the broker refused it, recover it if its worker died.

    A healthy job costs no query: the row already read is looked at in Python.
    """
    if job.is_final:
        return job
    now = timezone.now()
    if job.waiting_for_queue:
        if job.send_attempted_at and job.send_attempted_at <= now - timedelta(seconds=settings.JOB_SEND_RETRY_INTERVAL):
            if job.created_at < now - timedelta(seconds=settings.JOB_QUEUE_WAIT_LIMIT):
                job_give_up_sending(job.pk)
            else:
                job_send(job.pk)
            job.refresh_from_db()
        return job
    last_seen = job.heartbeat_at or job.started_at or job.created_at
    silent_for = timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    if job.status == Job.Status.RETRYING:
        silent_for += timedelta(seconds=settings.JOB_RETRY_WAIT)
    if job.status in (Job.Status.RUNNING, Job.Status.RETRYING) and last_seen < now - silent_for:
        job_recover(job.pk)
        job.refresh_from_db()
    return job
