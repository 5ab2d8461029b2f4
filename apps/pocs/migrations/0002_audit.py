from django.db import migrations

from apps.audit.sql import track


class Migration(migrations.Migration):
    dependencies = [("pocs", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        track("pocs_poc", poc_column="id"),
        track("pocs_membership", poc_column="poc_id"),
    ]
