"""A message to one person: shown in the portal and sent by email."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.audit.declarations import Audited
from apps.core.validators import SHORT_TEXT, WEB_ADDRESS, BoundedTextField


class Notification(models.Model):
    """Something a person should know: a decision to sign, a failed signing attempt, a reminder.

    ``kind`` is a dotted name chosen by the app that sends it (``decisions.requested``), so a
    later page can filter or group; ``url`` is a path in the portal where the person acts on it.
    """

    audit = Audited(exclude=("read_at",))

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=60)
    subject = models.CharField(max_length=SHORT_TEXT)
    body = BoundedTextField(blank=True)
    url = models.CharField(max_length=WEB_ADDRESS, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notifications_user_created")]

    def __str__(self):
        return f"{self.subject} (to {self.user})"
