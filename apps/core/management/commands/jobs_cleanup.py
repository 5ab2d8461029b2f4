"""``manage.py jobs_cleanup``: what beat's ``core.jobs_cleanup`` does every day, for a cron job or by hand."""

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.jobs import jobs_cleanup


class Command(BaseCommand):
    help = (
        "Delete the finished jobs (succeeded or failed) that ended more than JOB_KEEP_DAYS days ago. "
        "Active jobs are never deleted, nor the latest job of each subject and kind, which pages read. "
        "Beat runs this every day when REDIS_URL is set; without it, run it from cron."
    )

    def handle(self, *args, **options):
        deleted = jobs_cleanup()["deleted"]
        self.stdout.write(
            f"Deleted {deleted} finished job{'' if deleted == 1 else 's'} "
            f"(ended more than {settings.JOB_KEEP_DAYS} days ago; the latest of each subject and kind kept)."
        )
