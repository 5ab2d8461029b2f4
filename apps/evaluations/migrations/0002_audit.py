from django.db import migrations

from apps.audit.sql import AuditTrigger


class Migration(migrations.Migration):
    dependencies = [("evaluations", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        AuditTrigger("evaluations_dataset", poc_column="poc_id"),
        AuditTrigger("evaluations_modelversion", poc_column="poc_id"),
        AuditTrigger("evaluations_evalrun", poc_column="poc_id", exclude=("results",)),
    ]
