"""Check every signed decision: snapshot hash, signature record, rows against the audit trail, the chain."""

from django.core.management.base import BaseCommand, CommandError

from apps.decisions.models import Decision
from apps.decisions.verify import chain_problems, verify_decision


class Command(BaseCommand):
    help = "Verify every signed decision; exits non-zero naming what differs when any is not intact."

    def handle(self, *args, **options):
        chain = chain_problems()
        broken = 0
        decisions = Decision.objects.select_related("poc").order_by("id")
        for decision in decisions:
            verdict = verify_decision(decision, chain=chain)
            label = f"Decision #{decision.pk} on PoC #{decision.poc_id} ({decision.poc.name})"
            if verdict.intact:
                self.stdout.write(f"{label}: intact")
                continue
            broken += 1
            self.stdout.write(f"{label}: NOT INTACT")
            for difference in verdict.differences:
                self.stdout.write(f"  - {difference}")
        if not decisions.exists() and chain:
            for problem in chain:
                self.stdout.write(f"  - {problem}")
            raise CommandError("The audit trail does not hold.")
        if broken:
            raise CommandError(f"{broken} decision{'s' if broken != 1 else ''} not intact.")
        self.stdout.write(self.style.SUCCESS(f"{decisions.count()} decision(s) intact."))
