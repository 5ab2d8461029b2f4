from django.conf import settings
from django.core.management.base import BaseCommand

from apps.reports.services import reports_cleanup


class Command(BaseCommand):
    help = (
        "Delete the report exports past keeping: drafts older than REPORT_EXPORT_KEEP_DAYS days and failed ones "
        "older than a day. "
        "The signed report is never deleted, and every download of a decided PoC keeps working. "
        "Beat runs this every day when REDIS_URL is set; without it, run it from cron."
    )

    def handle(self, *args, **options):
        counts = reports_cleanup()
        deleted, emptied = counts["deleted"], counts["emptied"]
        self.stdout.write(
            f"Deleted {deleted} report export{'' if deleted == 1 else 's'} "
            f"(drafts older than {settings.REPORT_EXPORT_KEEP_DAYS} days, and failed ones older than a day)."
        )
        if emptied:
            self.stdout.write(
                f"Dropped the draft PDF of {emptied} old export{'' if emptied == 1 else 's'} of decided PoCs; "
                "their downloads return the signed report."
            )
