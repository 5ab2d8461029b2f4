"""Reminders: one notification per person per occasion (a unique constraint), the kinds a person
muted, and an index for the unread count."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from apps.audit.sql import AuditTrigger


class Migration(migrations.Migration):
    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="occasion",
            field=models.CharField(blank=True, default="", help_text="What a reminder is about, once", max_length=200),
        ),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("read_at__isnull", True)), fields=["user"], name="notifications_user_unread"
            ),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.UniqueConstraint(
                condition=models.Q(("occasion", ""), _negated=True),
                fields=("user", "occasion"),
                name="notification_once_per_occasion",
            ),
        ),
        migrations.CreateModel(
            name="Mute",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=60)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="muted_kinds",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["kind"],
                "constraints": [models.UniqueConstraint(fields=("user", "kind"), name="mute_once_per_kind")],
            },
        ),
        AuditTrigger("notifications_mute"),
    ]
