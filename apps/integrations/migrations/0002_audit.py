from django.db import migrations

from apps.audit.sql import AuditTrigger


class Migration(migrations.Migration):
    dependencies = [("integrations", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        AuditTrigger("integrations_integration", poc_column="poc_id"),
        AuditTrigger("integrations_productionconcern", poc_column="poc_id"),
    ]
