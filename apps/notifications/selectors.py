"""Reads of a person's notifications."""

from __future__ import annotations

from apps.notifications import kinds
from apps.notifications.models import Mute, Notification

PAGE_SIZE = 50


def notifications_of(user):
    """The person's notifications, newest first (a queryset, for pagination)."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def notifications_for(user, *, limit: int = PAGE_SIZE) -> list[Notification]:
    """The person's newest notifications."""
    return list(notifications_of(user)[:limit])


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def mute_choices(user) -> list[dict]:
    """Each kind a person may mute, with whether ``user`` has: the profile page's list."""
    muted = set(Mute.objects.filter(user=user).values_list("kind", flat=True))
    return [
        {"key": kind.key, "label": kind.label, "description": kind.description, "muted": kind.key in muted}
        for kind in kinds.mutable()
    ]
