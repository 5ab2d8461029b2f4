"""Listens to the PoC app's events; the work itself is done by services."""

from django.dispatch import receiver

from apps.checklists import services
from apps.checklists.demo import seed_demo_kickoff
from apps.pocs.models import Stage
from apps.pocs.signals import demo_poc_seeded, poc_created


@receiver(poc_created, dispatch_uid="checklists.copy_template_on_poc_created")
def copy_kickoff_template(sender, poc, user, **kwargs):
    # Runs inside the creating transaction: if copying fails, the PoC is not created either.
    services.kickoff_setup(poc=poc, user=user)


@receiver(demo_poc_seeded, dispatch_uid="checklists.fill_demo_kickoff")
def fill_demo_kickoff(sender, poc, user, stage, **kwargs):
    # Demo PoCs past kickoff have their checklist done; the one at kickoff is half way.
    seed_demo_kickoff(poc=poc, user=user, complete=stage != Stage.KICKOFF)
