from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.audit.registry import expected_triggers
from apps.audit.triggers import database_problems
from apps.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chain and name the first broken event, if any; then check that "
        "every table declared audited carries its trigger, with the declared arguments, and no other does."
    )

    def handle(self, *args, **options):
        failures = []
        report = verify_chain()
        if not report.ok:
            failures.append(
                f"Audit chain broken at event {report.first_broken_id}: {report.reason} "
                f"({report.checked} events before it verified)."
            )
        failures += [f"Audit triggers: {problem}." for problem in database_problems(connection)]
        if failures:
            raise CommandError("\n".join(failures))
        self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified."))
        self.stdout.write(
            self.style.SUCCESS(f"Audit triggers match the declarations: {len(expected_triggers())} tables.")
        )
