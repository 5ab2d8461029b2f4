from django.db import migrations, models

from apps.audit.sql import ANCHOR_INSTALL, ANCHOR_UNINSTALL


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_triggers")]

    operations = [
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("event_id", models.BigIntegerField()),
                ("hash", models.CharField(max_length=64)),
                ("recorded_at", models.DateTimeField()),
            ],
            options={
                "ordering": ["event_id", "id"],
                "get_latest_by": "id",
            },
        ),
        migrations.RunSQL(sql=ANCHOR_INSTALL, reverse_sql=ANCHOR_UNINSTALL),
    ]
