"""Reads of a person's notifications."""

from __future__ import annotations

from apps.notifications.models import Notification

PAGE_SIZE = 50


def notifications_for(user, *, limit: int = PAGE_SIZE) -> list[Notification]:
    """The person's newest notifications."""
    return list(Notification.objects.filter(user=user)[:limit])


def unread_count(user) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
