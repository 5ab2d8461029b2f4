from django.core.management.base import BaseCommand

from apps.audit.checkpoint import record_checkpoint


class Command(BaseCommand):
    help = (
        "Record the audit chain's head (last event id and hash) in the append-only checkpoint table and in the "
        "log (and email it to ADMINS when set). verify_audit then notices if any event up to it is deleted."
    )

    def handle(self, *args, **options):
        anchor = record_checkpoint()
        if anchor is None:
            self.stdout.write(self.style.WARNING("The audit trail has no event yet: nothing to checkpoint."))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit checkpoint recorded: event #{anchor.event_id}, hash {anchor.hash} "
                f"(verify_audit --checkpoint {anchor.event_id}:{anchor.hash})."
            )
        )
