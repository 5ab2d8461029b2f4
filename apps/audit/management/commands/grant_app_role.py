import dj_database_url
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from apps.audit.roles import RoleRefused, create_login_role, grant_app_role


class Command(BaseCommand):
    help = (
        "Give the application's database role exactly what it needs: read and write the domain tables, only "
        "read the audit tables, record checkpoints, never call audit_append(). Runs as the owner "
        "(DATABASE_OWNER_URL); run it after every migrate. ROLE defaults to the user of DATABASE_URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", help="the application's role (default: the user of DATABASE_URL)")
        parser.add_argument(
            "--create",
            action="store_true",
            help="create the role (LOGIN) if it is missing, with the password of DATABASE_URL",
        )

    def handle(self, *args, role=None, create=False, **options):
        app = dj_database_url.parse(settings.DATABASE_APP_URL) if settings.DATABASE_APP_URL else {}
        named = role is not None
        role = role or app.get("USER")
        if not role:
            raise CommandError("Name the role, or set DATABASE_URL to the application's connection.")
        if not named and role == connection.settings_dict.get("USER"):
            self.stdout.write(
                self.style.WARNING(
                    f"DATABASE_URL connects as {role}, the owner of the tables: the application runs with every right. "
                    "Give it a role of its own (README, 'Database roles')."
                )
            )
            return
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                if create:
                    create_login_role(cursor, role, app.get("PASSWORD") if role == app.get("USER") else None)
                grants = grant_app_role(cursor, role)
        except RoleRefused as exc:
            raise CommandError(f"Refused: {exc}.") from exc
        self.stdout.write(self.style.SUCCESS(grants.summary()))
