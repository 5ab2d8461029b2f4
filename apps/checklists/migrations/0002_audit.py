from django.db import migrations

from apps.audit.sql import track


class Migration(migrations.Migration):
    dependencies = [("checklists", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        track("checklists_checklisttemplate"),
        track("checklists_templateitem"),
        track("checklists_checklistitem", poc_column="poc_id"),
        track("checklists_validationquestion", poc_column="poc_id"),
        track("checklists_acknowledgement", poc_column="poc_id"),
        track("checklists_businesscase", poc_column="poc_id"),
    ]
