from rest_framework import serializers

from apps.notifications.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "url", "created_at", "read_at"]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": "Who sent it and why, as a dotted name (reminders.decision_overdue)"},
            "url": {"help_text": "Where in the portal to act on it (a path), or empty"},
            "read_at": {"help_text": "When it was marked read, or null while unread"},
        }
