"""The count of a person's unread notifications, kept on their row for the header (not audited:
each notification is in the trail itself)."""

from django.db import migrations, models

from apps.audit.sql import AuditTrigger, DropAuditTrigger


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_user_time_zone")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="unread_notifications",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        DropAuditTrigger("accounts_user", exclude=("password", "last_login")),
        AuditTrigger("accounts_user", exclude=("password", "last_login", "unread_notifications")),
    ]
