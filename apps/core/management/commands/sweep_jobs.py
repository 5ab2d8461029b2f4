"""``manage.py sweep_jobs``: what beat's ``core.sweep_jobs`` does, for a cron job or by hand."""

from django.core.management.base import BaseCommand

from apps.core.jobs import sweep_jobs


class Command(BaseCommand):
    help = (
        "Send the jobs the broker refused and re-queue (or fail) the jobs whose worker stopped "
        "giving a heartbeat. Beat runs this every JOB_SWEEP_INTERVAL seconds when REDIS_URL is set."
    )

    def handle(self, *args, **options):
        counts = sweep_jobs()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in counts.items()))
