from django.core.management.base import BaseCommand

from apps.evaluations import services


class Command(BaseCommand):
    help = (
        "Start the drift watch's re-runs that are due now (what Celery beat does daily at MONITORING_HOUR): each "
        "go PoC whose weekly or monthly re-run is due. Running it again starts nothing new until the next is due."
    )

    def handle(self, *args, **options):
        started = services.monitoring_due()
        self.stdout.write(self.style.SUCCESS(f"Drift watch: {len(started)} re-run(s) started."))
