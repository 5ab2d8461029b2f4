from django.db import migrations

from apps.audit.sql import AuditTrigger


class Migration(migrations.Migration):
    dependencies = [("costs", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        AuditTrigger("costs_costmodel", poc_column="poc_id", exclude=("results",)),
        AuditTrigger("costs_costline", poc_column="poc_id"),
    ]
