"""Give a Job a generic subject (type label + id) instead of a foreign key to a domain model.

Existing rows keep their PoC: ``poc_id`` is copied into ``subject_type = 'pocs.poc'`` and
``subject_id`` before the foreign key is dropped.
"""

from django.db import migrations, models

FORWARD = "UPDATE core_job SET subject_type = 'pocs.poc', subject_id = poc_id WHERE poc_id IS NOT NULL"
# Going back, only subjects that still exist can be pointed at again by the foreign key.
BACKWARD = (
    "UPDATE core_job SET poc_id = subject_id WHERE subject_type = 'pocs.poc' "
    "AND subject_id IN (SELECT id FROM pocs_poc)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="job",
            name="subject_type",
            field=models.CharField(
                blank=True, default="", help_text="app_label.model_name of what the job works on", max_length=100
            ),
        ),
        migrations.AddField(
            model_name="job",
            name="subject_id",
            field=models.BigIntegerField(blank=True, help_text="Primary key of what the job works on", null=True),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RemoveIndex(model_name="job", name="core_job_poc_id_51f2de_idx"),
        migrations.RemoveField(model_name="job", name="poc"),
        migrations.AddIndex(
            model_name="job",
            index=models.Index(
                fields=["subject_type", "subject_id", "kind", "-created_at"], name="core_job_subject_kind_idx"
            ),
        ),
        migrations.AlterField(
            model_name="job",
            name="status",
            field=models.CharField(
                choices=[
                    ("queued", "Queued"),
                    ("running", "Running"),
                    ("retrying", "Retrying"),
                    ("succeeded", "Succeeded"),
                    ("failed", "Failed"),
                ],
                default="queued",
                max_length=16,
            ),
        ),
    ]
