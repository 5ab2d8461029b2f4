from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from apps.audit.registry import expected_triggers
from apps.audit.triggers import database_problems
from apps.audit.verify import Anchor, recorded_anchors, verify_chain


def _anchor(text: str) -> Anchor:
    try:
        return Anchor.parse(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    help = (
        "Recompute the audit trail's hash chains (one per PoC) and name the first broken event, if any; check "
        "that every checkpointed event and chain head (audit_checkpoint) is still there with its hash, so "
        "deleting a chain's last events is noticed; then check that every table declared audited carries its "
        "trigger, with the declared arguments, and no other does."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoint",
            action="append",
            default=[],
            metavar="EVENT_ID:HASH",
            help="A head copied from the log or an email of audit_checkpoint; checked like the recorded "
            "checkpoints (use it when the checkpoint table itself may have been tampered with). Repeatable.",
        )

    def handle(self, *args, **options):
        given = [_anchor(text) for text in options["checkpoint"]]
        report = verify_chain(anchors=recorded_anchors() + given)
        failures = []
        if report.first_broken_id is not None:
            failures.append(
                f"Audit chain broken at event {report.first_broken_id}: {report.reason} "
                f"({report.checked} events before it verified)."
            )
        failures += [f"Audit chain end: {problem}." for problem in report.anchor_problems]
        failures += [f"Audit triggers: {problem}." for problem in database_problems(connection)]
        if failures:
            raise CommandError("\n".join(failures))
        self.stdout.write(
            self.style.SUCCESS(f"Audit chain intact: {report.checked} events verified ({report.chains} chains).")
        )
        if report.newest_anchor is None:
            self.stdout.write(
                self.style.WARNING(
                    "Warning: the end of the audit chain is not anchored (no checkpoint yet), so deleting its last "
                    "events would go unnoticed. Run `manage.py audit_checkpoint`; Celery beat runs it every "
                    f"{settings.AUDIT_CHECKPOINT_MINUTES} minutes."
                )
            )
        else:
            anchor = report.newest_anchor
            self.stdout.write(
                self.style.SUCCESS(
                    f"Audit chain end anchored: the chain reaches every checkpoint ({report.anchors}), the latest at "
                    f"event #{anchor.event_id} ({anchor.describe()}); {report.since_anchor} events since."
                )
            )
        self.stdout.write(
            self.style.SUCCESS(f"Audit triggers match the declarations: {len(expected_triggers())} tables.")
        )
