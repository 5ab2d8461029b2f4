"""Jobs that never hang: what to send again (task and arguments), when it was sent, and a heartbeat."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_job_generic_subject"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="heartbeat_at",
            field=models.DateTimeField(blank=True, help_text="Last sign of life of the running task", null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="send_attempted_at",
            field=models.DateTimeField(blank=True, help_text="Last attempt to send, accepted or not", null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="send_attempts",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="job",
            name="sent_at",
            field=models.DateTimeField(blank=True, help_text="When the broker accepted the task", null=True),
        ),
        migrations.AddField(
            model_name="job",
            name="task_args",
            field=models.JSONField(blank=True, default=list, help_text="Arguments after the job id"),
        ),
        migrations.AddField(
            model_name="job",
            name="task_name",
            field=models.CharField(blank=True, help_text="Celery task that runs the job", max_length=200),
        ),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                condition=models.Q(("status__in", ["queued", "running", "retrying"])),
                fields=["status"],
                name="core_job_active_idx",
            ),
        ),
        # Jobs made before this migration were sent when they were created, and a running one was alive
        # when it started: the sweeper neither sends them again nor takes them for dead at once.
        migrations.RunSQL(
            "UPDATE core_job SET sent_at = created_at WHERE sent_at IS NULL;"
            " UPDATE core_job SET heartbeat_at = now() WHERE status IN ('running', 'retrying');",
            migrations.RunSQL.noop,
        ),
    ]
