"""The one way to tell someone something: ``notify``.

It records an in-app notification and sends an email through Django's email backend (the
console by default; ``EMAIL_URL`` names a mail server) once the surrounding transaction has
committed, so a write that is rolled back tells nobody anything.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications.models import Notification

log = logging.getLogger(__name__)


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "") or ""
    return f"{base.rstrip('/')}{url}" if base and url.startswith("/") else url


def _send(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    body = notification.body
    if notification.url:
        body = f"{body}\n\n{_absolute(notification.url)}" if body else _absolute(notification.url)
    try:
        send_mail(notification.subject, body, None, [notification.user.email])
    except Exception:  # a mail server that is down must not undo what was committed
        log.exception("could not email notification %s to %s", notification.pk, notification.user.email)


def notify(user: User, kind: str, subject: str, body: str = "", url: str = "") -> Notification:
    """Tell ``user``: record the notification and email it after commit.

    Writes no PoC data (the notification belongs to the person); callers write it inside their
    own audited transaction, so it is attributed to whoever caused it.
    """
    notification = Notification.objects.create(
        user=user, kind=kind, subject=subject[:200], body=body[:10_000], url=url[:500]
    )
    transaction.on_commit(lambda: _send(notification.pk))
    return notification


def notifications_mark_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many. Writes no PoC data."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
