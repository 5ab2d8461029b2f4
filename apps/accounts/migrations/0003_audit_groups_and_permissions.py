from django.db import migrations

from apps.audit.sql import AuditTrigger


class Migration(migrations.Migration):
    """A person's groups and permissions grant rights in the admin: record every change to them."""

    dependencies = [("accounts", "0002_audit")]

    operations = [
        AuditTrigger("accounts_user_groups"),
        AuditTrigger("accounts_user_user_permissions"),
    ]
