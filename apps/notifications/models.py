"""A message to one person: shown in the portal and sent by email."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.audit.declarations import Audited
from apps.core.validators import SHORT_TEXT, WEB_ADDRESS, BoundedTextField


class Notification(models.Model):
    """Something a person should know: a decision to sign, a failed signing attempt, a reminder.

    ``kind`` is a dotted name chosen by the app that sends it (``decisions.requested``), so a
    later page can filter or group; ``url`` is a path in the portal where the person acts on it.
    ``occasion`` names what a reminder is about (``reminders.timebox_ending:poc:12:2026-11-27``):
    a person gets one notification per occasion, held by a unique constraint, so a scheduler
    that runs twice (or two at once) tells nobody anything twice.
    """

    audit = Audited(exclude=("read_at",))

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=SHORT_TEXT)
    body = BoundedTextField(blank=True)
    url = models.CharField(max_length=WEB_ADDRESS, blank=True)
    occasion = models.CharField(max_length=200, blank=True, default="", help_text="What a reminder is about, once")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="notifications_user_created"),
            models.Index(fields=["user"], name="notifications_user_unread", condition=Q(read_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "occasion"], condition=~Q(occasion=""), name="notification_once_per_occasion"
            ),
        ]

    def __str__(self):
        return f"{self.subject} (to {self.user})"


class Mute(models.Model):
    """A kind of notification a person chose not to receive (``reminders.timebox_ending``, say).

    Only kinds registered as mutable (``apps.notifications.kinds``) can be muted; what someone must
    act on (a decision to sign) always reaches them.
    """

    audit = Audited(label="muted notification kind")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="muted_kinds")
    kind = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind"]
        constraints = [models.UniqueConstraint(fields=["user", "kind"], name="mute_once_per_kind")]

    def __str__(self):
        return f"{self.user} mutes {self.kind}"
