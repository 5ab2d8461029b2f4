"""Listens to the PoC app's events; the work itself is done by services."""

from django.dispatch import receiver

from apps.integrations import services
from apps.pocs.signals import poc_created


@receiver(poc_created, dispatch_uid="integrations.seed_concerns_on_poc_created")
def seed_production_concerns(sender, poc, user, **kwargs):
    # Runs inside the creating transaction: if seeding fails, the PoC is not created either.
    services.concerns_setup(poc=poc, user=user)
