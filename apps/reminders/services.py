"""Sending the reminders: each occasion once, to a person who has not muted its kind.

``reminders_send`` is what the scheduler, ``manage.py send_reminders`` and the tests call. It goes
through ``notifications.services.notify`` with the occasion's key, whose unique constraint makes a
second run (or two runs at once) send nothing twice.
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections import Counter

from django.conf import settings
from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.notifications.services import notify
from apps.reminders import occasions
from apps.reminders.models import ReminderRun

log = logging.getLogger(__name__)


def reminders_send(*, today: datetime.date | None = None, only=None) -> dict[str, int]:
    """Send every reminder due on ``today`` (the site's date by default); counts sent, by kind.

    Each reminder is its own small transaction, so one that fails leaves the others sent.
    Writes notifications only (no PoC data), attributed to no one: the scheduler sends them.
    """
    today = today or timezone.localdate()
    source = only(today) if only else occasions.daily(today)
    sent: Counter[str] = Counter()
    for occasion in source:
        try:
            with audited(None, {"source": "reminders", "day": today.isoformat()}):
                row = notify(
                    occasion.user,
                    occasion.kind,
                    occasion.subject,
                    occasion.body,
                    occasion.url,
                    occasion=occasion.key,
                )
        except Exception:  # one bad row must not stop everyone else's reminders
            log.exception("reminder %s to user %s not sent", occasion.key, occasion.user.pk)
            continue
        if row is not None:
            sent[occasion.kind] += 1
    if sent:
        log.info("reminders of %s: %s", today, dict(sent))
    return dict(sent)


def failed_jobs_send() -> dict[str, int]:
    """Tell the people whose jobs failed lately (each job once). Writes notifications only."""
    return reminders_send(only=lambda _today: occasions.job_occasions(timezone.now()))


def reminders_run(*, day: datetime.date | None = None) -> ReminderRun:
    """The day's run: record it (``ReminderRun``) and send. Run again the same day, it sends only what is new.

    Writes notifications only.
    """
    day = day or timezone.localdate()
    run, _ = ReminderRun.objects.get_or_create(day=day)
    run.sent = reminders_send(today=day)
    run.finished_at = timezone.now()
    run.save(update_fields=["sent", "finished_at"])
    return run


# --- without Redis: the web process notices the day's run is due --------------------------------

_next_look = 0.0  # monotonic time of the next look at ReminderRun in this process
_LOOK_EVERY = 600.0  # seconds


def run_due_in_process(now: datetime.datetime | None = None) -> bool:
    """Start the day's run in a thread of this process if it is due and nobody started it; True if started.

    Due from ``REMINDERS_HOUR`` o'clock UTC on, as with beat. The day's ``ReminderRun`` row is claimed first (its
    ``day`` is unique), so of several processes that notice at once, one runs it. Writes no PoC data.
    """
    now = now or timezone.now()
    if now.astimezone(datetime.UTC).hour < settings.REMINDERS_HOUR:  # the hour beat uses (CELERY_TIMEZONE)
        return False
    day = timezone.localdate(now)
    if ReminderRun.objects.filter(day=day).exists():
        return False
    try:
        with transaction.atomic():
            ReminderRun.objects.create(day=day)
    except IntegrityError:
        return False

    def work():
        try:
            reminders_run(day=day)
        except Exception:
            log.exception("reminders of %s failed", day)
        finally:
            connections.close_all()

    threading.Thread(target=work, name=f"reminders-{day}", daemon=True).start()
    return True


def look_in_process() -> None:
    """Called on each request when there is no beat: at most one look every ten minutes per process."""
    import time

    global _next_look
    clock = time.monotonic()
    if clock < _next_look:
        return
    _next_look = clock + _LOOK_EVERY
    try:
        run_due_in_process()
    except Exception:  # never fail a request because of the reminders
        log.exception("could not check whether the reminders are due")
