import datetime

from django.core.management.base import BaseCommand, CommandError

from apps.reminders import services


class Command(BaseCommand):
    help = (
        "Send the reminders due today now (timebox, checklist items, decisions, failed jobs). Each occasion "
        "is sent once, so running it again, or after the scheduler, sends only what is new."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Send as if today were this day (YYYY-MM-DD)")

    def handle(self, *args, date=None, **options):
        day = None
        if date:
            try:
                day = datetime.date.fromisoformat(date)
            except ValueError:
                raise CommandError(f"--date: “{date}” is not a date; use YYYY-MM-DD.") from None
        run = services.reminders_run(day=day)
        total = sum(run.sent.values())
        self.stdout.write(self.style.SUCCESS(f"Reminders of {run.day}: {total} sent."))
        for kind, count in sorted(run.sent.items()):
            self.stdout.write(f"  {kind}: {count}")
