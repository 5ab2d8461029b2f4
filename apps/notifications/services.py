"""The one way to tell someone something: ``notify``.

It records an in-app notification and sends an email through Django's email backend (the
console by default; ``EMAIL_URL`` names a mail server) once the surrounding transaction has
committed, so a write that is rolled back tells nobody anything. The email's subject, text and
HTML come from templates (``notifications/email/``; a kind may have its own, named after it).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string, select_template
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.notifications import kinds
from apps.notifications.models import Mute, Notification

log = logging.getLogger(__name__)


def _absolute(url: str) -> str:
    base = getattr(settings, "SITE_URL", "") or ""
    return f"{base.rstrip('/')}{url}" if base and url.startswith("/") else url


def _template(kind: str, part: str) -> str:
    """The kind's own template for ``part`` (``reminders.timebox_ending.subject.txt``) or the default."""
    return select_template([f"notifications/email/{kind}.{part}", f"notifications/email/default.{part}"]).template.name


def render_email(notification: Notification) -> tuple[str, str, str]:
    """The email for ``notification``: subject (one line), text body and HTML body."""
    context = {
        "notification": notification,
        "user": notification.user,
        "link": _absolute(notification.url) if notification.url else "",
        "profile_link": _absolute("/accounts/profile/"),
        "mutable": kinds.is_mutable(notification.kind),
    }
    subject = " ".join(render_to_string(_template(notification.kind, "subject.txt"), context).split())
    text = render_to_string(_template(notification.kind, "body.txt"), context).strip() + "\n"
    html = render_to_string(_template(notification.kind, "body.html"), context)
    return subject[:200], text, html


def _send(notification_id: int) -> None:
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    try:
        subject, text, html = render_email(notification)
        message = EmailMultiAlternatives(subject, text, None, [notification.user.email])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:  # a mail server that is down must not undo what was committed
        log.exception("could not email notification %s to %s", notification.pk, notification.user.email)


def _recount(user_id: int) -> None:
    """Set the person's unread count (read by the header) from their notifications, in one statement."""
    unread = (
        Notification.objects.filter(user_id=OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    User.objects.filter(pk=user_id).update(unread_notifications=Coalesce(Subquery(unread), 0))


def is_muted(user: User, kind: str) -> bool:
    """Whether ``user`` turned off notifications of ``kind`` (only registered kinds can be)."""
    return kinds.is_mutable(kind) and Mute.objects.filter(user=user, kind=kind).exists()


def notify(
    user: User, kind: str, subject: str, body: str = "", url: str = "", *, occasion: str = ""
) -> Notification | None:
    """Tell ``user``: record the notification and email it after commit.

    Returns None, writing and sending nothing, when ``user`` muted ``kind`` or was already told
    about ``occasion`` (a unique constraint decides, so two runs at once cannot both tell them).

    Writes no PoC data (the notification belongs to the person); callers write it inside their
    own audited transaction, so it is attributed to whoever caused it.
    """
    if is_muted(user, kind):
        return None
    row = Notification(
        user=user, kind=kind, subject=subject[:200], body=body[:10_000], url=url[:500], occasion=occasion[:200]
    )
    if occasion:
        try:
            with transaction.atomic():  # a savepoint: a duplicate leaves the caller's transaction usable
                row.save()
        except IntegrityError:
            return None
    else:
        row.save()
    _recount(user.pk)
    transaction.on_commit(lambda: _send(row.pk))
    return row


def notification_mark_read(*, user: User, notification_id) -> Notification:
    """Mark one of ``user``'s own notifications read (again is harmless); anyone else's is not found.

    Writes no PoC data.
    """
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Notification.DoesNotExist("No such notification.")
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=timezone.now())
        _recount(user.pk)
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notifications_mark_read(*, user: User) -> int:
    """Mark every unread notification of ``user`` read; returns how many. Writes no PoC data."""
    marked = Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
    if marked:
        _recount(user.pk)
    return marked


def mutes_set(*, user: User, muted: list[str] | set[str]) -> set[str]:
    """Make ``muted`` exactly the kinds ``user`` does not receive; returns them. Writes no PoC data.

    Every kind must be one a person may mute (``kinds.register``); anything else is refused, naming it.
    """
    wanted = set(muted)
    unknown = sorted(kind for kind in wanted if not kinds.is_mutable(kind))
    if unknown:
        raise ValidationFailed(
            f"These cannot be muted: {', '.join(unknown)}.", errors={"muted": [f"Unknown kind: {k}" for k in unknown]}
        )
    with audited(user):
        have = set(Mute.objects.filter(user=user).values_list("kind", flat=True))
        Mute.objects.filter(user=user, kind__in=have - wanted).delete()
        Mute.objects.bulk_create([Mute(user=user, kind=kind) for kind in sorted(wanted - have)], ignore_conflicts=True)
    return wanted
