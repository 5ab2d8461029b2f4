"""Listens to the PoC app's events; the work itself is done by services."""

from django.dispatch import receiver

from apps.integrations import services
from apps.integrations.demo import seed_demo_integrations
from apps.pocs.signals import demo_poc_seeded, poc_created


@receiver(poc_created, dispatch_uid="integrations.seed_concerns_on_poc_created")
def seed_production_concerns(sender, poc, user, **kwargs):
    # Runs inside the creating transaction: if seeding fails, the PoC is not created either.
    services.concerns_setup(poc=poc, user=user)


@receiver(demo_poc_seeded, dispatch_uid="integrations.fill_demo_integrations")
def fill_demo_integrations(sender, poc, user, stage, **kwargs):
    seed_demo_integrations(poc=poc, user=user, stage=stage)
