"""Keeps the stored summaries current: the work itself is ``services.summary_refresh``."""

from django.dispatch import receiver

from apps.pocs.signals import demo_poc_seeded, inputs_changed, poc_inputs_changed
from apps.portfolio import services


@receiver(poc_inputs_changed, dispatch_uid="portfolio.refresh_summary")
def refresh_summary(sender, poc_id, **kwargs):
    # Sent after the write committed: the refresh (a job) reads what the write left.
    services.summary_request(poc_id=poc_id)


@receiver(demo_poc_seeded, dispatch_uid="portfolio.refresh_demo_summary")
def refresh_demo_summary(sender, poc, **kwargs):
    # The demo fills its rows in bulk; refresh once the seeding transaction commits.
    inputs_changed(poc.pk)
