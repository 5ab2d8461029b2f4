"""Services for Job rows: create-and-send, the state changes a task makes, and the sweeper.

A task runs its work through ``job_run(job_id, work, task=self)``:

- a job that is already final (succeeded or failed) is not run again, so a redelivered task is
  harmless;
- an exception the task may retry (a ``RetryableError``, one of the task's ``autoretry_for`` types,
  or one listed in ``retry_on``) leaves the job ``retrying`` with a message such as "Temporary
  failure, retrying (attempt 2 of 4)" and hands the retry to Celery; after the last allowed
  attempt the job is marked failed;
- any other exception marks the job failed with a message a person can read;
- while the work runs, the process's heartbeat thread writes the job's ``heartbeat_at`` every
  ``JOB_HEARTBEAT_INTERVAL`` seconds, and the database session has ``lock_timeout`` /
  ``statement_timeout`` set (``JOB_LOCK_TIMEOUT`` / ``JOB_STATEMENT_TIMEOUT``), so a query stuck
  on a lock ends.

Without Redis, Celery runs tasks eagerly: the request that queued a job runs it as soon as its
row is committed, so that path is kept to a few statements (no claim for a job never sent, one
statement each to start it, finish it, and set and restore the time limits; no heartbeat query or
connection for a job shorter than the interval).

Nothing leaves a job waiting for ever. ``job_enqueue`` sends the task after commit; when the broker
is unreachable the job stays ``queued`` with "Waiting for the job queue…" instead of the request
failing. ``sweep_jobs`` (a beat task every ``JOB_SWEEP_INTERVAL`` seconds, ``manage.py sweep_jobs``,
and ``job_check`` on each poll of a job's status) sends such jobs again, and re-queues, up to
``JOB_MAX_ATTEMPTS`` runs, or fails a job whose heartbeat is older than ``JOB_HEARTBEAT_TIMEOUT``.

Job rows do not pile up: ``jobs_cleanup`` (daily, the ``core.jobs_cleanup`` beat task, and
``manage.py jobs_cleanup``) deletes final jobs ``JOB_KEEP_DAYS`` after they ended, except the latest
job of each subject and kind while its subject exists, which is the one pages read.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.apps import apps as django_apps
from django.conf import settings
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.models import Exists, F, OuterRef, Q
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
    # The task and its arguments are at hand: the send need not read them back from the row.
    transaction.on_commit(lambda: job_send(job.pk, task=task, args=job.task_args, fresh=True))
    return job


def job_send(job_id: int, *, task=None, args: list | None = None, fresh: bool = False) -> bool:
    """Send a queued job's task if it was never accepted by the broker; True when it was sent now.

    The job row is locked while sending and ``sent_at`` is set in the same transaction, so the
    request's own send, the sweeper and a page poll never send the same job twice. ``task`` and
    ``args`` (after the job id), when the caller has them, save reading them back from the row;
    ``fresh``: ``job_enqueue`` just created the job, so nothing else sends it (the sweeper and the
    polls send only jobs whose send failed and re-queued ones).
    """
    if task is None:
        row = Job.objects.filter(pk=job_id).values_list("task_name", "task_args").first()
        task = _task(row[0]) if row is not None else None
        if task is None:
            return False
        args = row[1]
    if task.app.conf.task_always_eager:
        # In-process: "sending" runs the job here and now, outside any lock. A job sent again is
        # claimed first, so a poll and the sweeper never both run it; a fresh job needs no claim
        # (``job_run`` records it as sent when it starts it).
        if not fresh:
            now = timezone.now()
            claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED, sent_at__isnull=True).update(
                sent_at=now, send_attempted_at=now, send_attempts=F("send_attempts") + 1
            )
            if not claimed:
                return False
        task.apply_async(args=[job_id, *args])
        return True
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
    Returns the job as the run left it (None if it no longer exists); the bookkeeping around the
    work is four statements (timeouts set, started, finished, timeouts restored), so a short job
    run in-process costs little more than its work.
    """
    with _database_timeouts():
        job = _start(job_id)
        if job is None:
            logger.warning("job %s no longer exists", job_id)
            return None
        if job.is_final:
            return job
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
            _finish(job, status=Job.Status.FAILED, error=message)
        else:
            _finish(job, status=Job.Status.SUCCEEDED, progress=100, error="", result=result or {})
    return job


def _start(job_id: int) -> Job | None:
    """Mark job ``job_id`` running and count the attempt, unless it is final; the job as it is then.

    One ``UPDATE … RETURNING`` statement: it waits for the row's lock as ``SELECT … FOR UPDATE``
    would and checks the status under it, so a redelivered task never restarts a job that another
    run has finished. A job run in-process straight from ``job_enqueue`` was never claimed: it is
    recorded as sent here (a sent job keeps its ``sent_at``). A final job comes back unchanged;
    None when the job no longer exists.
    """
    now = timezone.now()
    params = [str(Job.Status.RUNNING), now, now, now, now, job_id, [str(status) for status in Job.FINAL]]
    for job in Job.objects.raw(_START_SQL, params):
        return job
    return Job.objects.filter(pk=job_id).first()


_START_SQL = (
    f"UPDATE {Job._meta.db_table} SET status = %s, attempts = attempts + 1, started_at = %s, heartbeat_at = %s,"  # noqa: S608 (constant table name)
    " sent_at = COALESCE(sent_at, %s), send_attempted_at = COALESCE(send_attempted_at, %s),"
    " send_attempts = GREATEST(send_attempts, 1)"
    " WHERE id = %s AND NOT (status = ANY(%s)) RETURNING *"
)


def _finish(job: Job, **fields) -> None:
    """Write the run's outcome to the row and to ``job`` (what ``job_run`` returns), with ``finished_at``."""
    fields["finished_at"] = timezone.now()
    Job.objects.filter(pk=job.pk).update(**fields)
    for name, value in fields.items():
        setattr(job, name, value)


def job_progress(job: Job, *, progress: int, message: str = "") -> None:
    """Record how far the job got (0–100) and what it is doing; also a sign of life."""
    job.progress, job.message, job.heartbeat_at = max(0, min(100, progress)), message[:255], timezone.now()
    Job.objects.filter(pk=job.pk).update(progress=job.progress, message=job.message, heartbeat_at=job.heartbeat_at)


class _Heartbeats:
    """Writes ``heartbeat_at`` every ``JOB_HEARTBEAT_INTERVAL`` s for each job this process is running.

    One thread per process serves every job. A job registers as it starts and leaves as it ends:
    no thread to start or join, no connection to open, and the thread wakes only when a beat is
    due, so a job shorter than the interval costs nothing here. The thread opens its database
    connection at its first beat and closes it once no job is running. It beats even while the
    work waits on the database or the network, and dies with the process, which is what the
    sweeper notices.
    """

    def __init__(self) -> None:
        self._reset()
        os.register_at_fork(after_in_child=self._reset)  # a forked worker starts its own thread

    def _reset(self) -> None:
        self._lock = threading.Condition()
        self._due: dict[object, list] = {}  # one entry per running job: [job id, when its next beat is due]
        self._wakes_at: float | None = None  # when the waiting thread wakes by itself (None: only when told)
        self._connected = False
        self._thread: threading.Thread | None = None

    @contextmanager
    def __call__(self, job_id: int) -> Iterator[None]:
        """Beat for ``job_id`` while the block runs."""
        key, due = object(), time.monotonic() + _heartbeat_interval()
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="job-heartbeats", daemon=True)
                self._thread.start()
            self._due[key] = [job_id, due]
            if self._wakes_at is None or due < self._wakes_at:
                self._lock.notify()
        try:
            yield
        finally:
            with self._lock:
                del self._due[key]
                if not self._due and self._connected:
                    self._lock.notify()  # to close the connection now rather than at the next wake

    def _run(self) -> None:
        while True:
            job_ids = self._next_beats()
            try:
                if job_ids:
                    _beat(job_ids)
                else:
                    connections.close_all()  # no job is running: this thread's own connection
            except Exception as exc:  # the thread must outlive any failure, or running jobs would look dead
                logger.warning("jobs %s: heartbeat not written: %s", job_ids, exc)
                connections.close_all()  # the next beat opens a fresh connection

    def _next_beats(self) -> list[int]:
        """Wait until beats are due and return the ids of their jobs; [] to close an idle connection."""
        with self._lock:
            while True:
                if self._connected and not self._due:
                    self._connected = False
                    return []
                now = time.monotonic()
                due = [entry for entry in self._due.values() if entry[1] <= now]
                if due:
                    interval = _heartbeat_interval()
                    for entry in due:
                        entry[1] = now + interval
                    self._connected = True
                    return sorted({job_id for job_id, _ in due})
                self._wakes_at = min((at for _, at in self._due.values()), default=None)
                self._lock.wait(None if self._wakes_at is None else self._wakes_at - now)
                self._wakes_at = None


def _heartbeat_interval() -> float:
    return max(0.1, float(settings.JOB_HEARTBEAT_INTERVAL))


def _beat(job_ids: list[int]) -> None:
    """Write the heartbeat of those of ``job_ids`` still active, skipping rows another transaction holds.

    A job's row is held by its own work's writes or, briefly, by a send or a recovery (which skips
    held rows itself), so skipping it loses nothing, and one held row never holds up the
    heartbeats of the other jobs of the process.
    """
    with transaction.atomic():
        free = Job.objects.select_for_update(skip_locked=True).filter(pk__in=job_ids, status__in=ACTIVE).order_by()
        Job.objects.filter(pk__in=free.values("pk")).update(heartbeat_at=timezone.now())


_heartbeat = _Heartbeats()


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
        # One statement: the sub-select (kept apart by OFFSET 0) reads them before set_config changes them.
        cursor.execute(
            "SELECT previous.*, set_config('lock_timeout', %s, false), set_config('statement_timeout', %s, false)"
            " FROM (SELECT current_setting('lock_timeout'), current_setting('statement_timeout') OFFSET 0) previous",
            [f"{settings.JOB_LOCK_TIMEOUT}s", f"{settings.JOB_STATEMENT_TIMEOUT}s"],
        )
        previous = cursor.fetchone()[:2]
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
    """Queued jobs the broker has not accepted, whose last attempt is ``JOB_SEND_RETRY_INTERVAL`` old, and
    those never sent at all ``JOB_HEARTBEAT_TIMEOUT`` after they were written (the process that wrote one
    ended between its commit and its send)."""
    now = now or timezone.now()
    due = now - timedelta(seconds=settings.JOB_SEND_RETRY_INTERVAL)
    orphaned = now - timedelta(seconds=settings.JOB_HEARTBEAT_TIMEOUT)
    return Q(status=Job.Status.QUEUED, sent_at__isnull=True) & (
        Q(send_attempts__gt=0, send_attempted_at__lte=due) | Q(send_attempts=0, created_at__lte=orphaned)
    )


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


# --- retention -----------------------------------------------------------------------------------

CLEANUP_BATCH = 5000  # jobs deleted per transaction, so a large backlog never holds locks for long


def _superseded() -> Exists:
    """A newer job of the same subject and kind exists (the order ``latest_job`` reads them in)."""
    newer = Job.objects.filter(
        subject_type=OuterRef("subject_type"),
        subject_id=OuterRef("subject_id"),
        kind=OuterRef("kind"),
        created_at__gte=OuterRef("created_at"),  # a range on the subject index; the line below breaks ties
    ).filter(Q(created_at__gt=OuterRef("created_at")) | Q(pk__gt=OuterRef("pk")))
    return Exists(newer)


def _subject_gone() -> Q:
    """The job's subject no longer exists (or it never had one): no page reads it through its subject."""
    gone = Q(subject_id__isnull=True)
    known = []
    for label in Job.objects.order_by().values_list("subject_type", flat=True).distinct():
        try:
            model = django_apps.get_model(label)
        except (LookupError, ValueError):  # blank, or a model that was removed
            continue
        known.append(label)
        gone |= Q(subject_type=label) & ~Exists(model._base_manager.filter(pk=OuterRef("subject_id")))
    return gone | ~Q(subject_type__in=known)


def jobs_cleanup() -> dict[str, int]:
    """Delete the final jobs (succeeded or failed) that ended more than ``JOB_KEEP_DAYS`` days ago; how many.

    An active job (queued, running, retrying) is never deleted, however old. Neither is the latest job
    of a subject and kind while the subject exists: that is the job pages and the API read (through
    ``latest_job``, or an id the subject keeps, such as a run's or a cost model's ``job_id``, or an
    export's ``job``) to show its status, progress or error, so those answer as before. Jobs are
    deleted ``CLEANUP_BATCH`` at a time, each batch its own short transaction, so a large backlog
    never holds a long lock. Jobs are not audited, so neither is their deletion.
    """
    cutoff = timezone.now() - timedelta(days=settings.JOB_KEEP_DAYS)
    old = (
        Job.objects.filter(status__in=Job.FINAL)
        .alias(ended=Coalesce("finished_at", "created_at"))
        .filter(ended__lt=cutoff)
        .filter(_superseded() | _subject_gone())
    )
    deleted, last = 0, 0
    while True:
        # Walking up the primary key reads each row once, however many batches the backlog takes.
        ids = list(old.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:CLEANUP_BATCH])
        if not ids:
            break
        last = ids[-1]
        _, by_model = Job.objects.filter(pk__in=ids).only("pk").delete()
        deleted += by_model.get(Job._meta.label, 0)
    logger.info("jobs cleanup: %s final jobs older than %s days deleted", deleted, settings.JOB_KEEP_DAYS)
    return {"deleted": deleted}
