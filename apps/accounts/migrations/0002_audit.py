from django.db import migrations

from apps.audit.sql import track


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial"), ("audit", "0002_triggers")]

    operations = [
        track("accounts_user", exclude=("password", "last_login")),
        track("accounts_businessunit"),
    ]
