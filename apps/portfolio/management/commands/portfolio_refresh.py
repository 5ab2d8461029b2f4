from django.core.management.base import BaseCommand

from apps.portfolio.services import summaries_refresh


class Command(BaseCommand):
    help = (
        "Recompute the portfolio's stored summary (stall risk, criteria met) of every PoC. "
        "Run once after installing the portfolio; the daily task keeps them current after that."
    )

    def add_arguments(self, parser):
        parser.add_argument("--stale", action="store_true", help="Only the summaries missing or judged before today.")

    def handle(self, *args, stale, **options):
        count = summaries_refresh(stale_only=stale)
        self.stdout.write(f"Refreshed {count} PoC summar{'y' if count == 1 else 'ies'}.")
