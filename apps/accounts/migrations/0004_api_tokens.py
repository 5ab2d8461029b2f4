"""Expiring API tokens (several per person, only a hash of each key stored), the shared cache table,
and every stored address in its canonical spelling.

DRF's ``authtoken_token`` table (one key per person, stored in clear, never expiring) is dropped:
its keys stop working and callers ask ``auth/token/`` for a new, expiring token.
"""

import unicodedata

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from apps.audit.sql import AuditTrigger

# The database cache (settings.CACHES without REDIS_URL): the table `createcachetable` would make,
# created here so every database has it whichever cache the settings name.
CACHE_TABLE = """
CREATE TABLE IF NOT EXISTS pocportal_cache (
    cache_key varchar(255) NOT NULL PRIMARY KEY,
    value text NOT NULL,
    expires timestamp with time zone NOT NULL
);
CREATE INDEX IF NOT EXISTS pocportal_cache_expires ON pocportal_cache (expires);
"""

DROP_AUTHTOKEN = """
DROP TABLE IF EXISTS authtoken_token;
DELETE FROM django_migrations WHERE app = 'authtoken';
"""


def canonical_emails(apps, schema_editor):
    """Stores each address as NFKC, case folded (apps.accounts.emails.canonical_email, as of this
    migration). An address whose canonical form another account already holds is left as it is."""
    User = apps.get_model("accounts", "User")
    taken = set(User.objects.values_list("email", flat=True))
    for user in User.objects.order_by("pk"):
        canonical = unicodedata.normalize("NFKC", user.email or "").strip().casefold()
        if canonical == user.email or canonical in taken:
            continue
        taken.discard(user.email)
        taken.add(canonical)
        User.objects.filter(pk=user.pk).update(email=canonical)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_audit_groups_and_permissions"),
    ]

    operations = [
        migrations.CreateModel(
            name="ApiToken",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("key_hash", models.CharField(max_length=64, unique=True)),
                ("prefix", models.CharField(help_text="The key's first characters, to recognise it", max_length=8)),
                (
                    "created_from",
                    models.CharField(blank=True, help_text="Where the token was asked for", max_length=200),
                ),
                ("created", models.DateTimeField(default=django.utils.timezone.now)),
                ("expires", models.DateTimeField()),
                ("last_used", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="api_tokens",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["-created", "-id"],
                "indexes": [models.Index(fields=["user", "-created"], name="accounts_token_user_created")],
            },
        ),
        AuditTrigger("accounts_apitoken", exclude=("key_hash", "last_used")),
        migrations.RunSQL(CACHE_TABLE, reverse_sql="DROP TABLE IF EXISTS pocportal_cache;"),
        migrations.RunSQL(DROP_AUTHTOKEN, reverse_sql=migrations.RunSQL.noop),
        migrations.RunPython(canonical_emails, migrations.RunPython.noop),
    ]
