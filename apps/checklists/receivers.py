"""Listens to the PoC app's events; the work itself is done by services."""

from django.dispatch import receiver

from apps.checklists import services
from apps.pocs.signals import poc_created


@receiver(poc_created, dispatch_uid="checklists.copy_template_on_poc_created")
def copy_kickoff_template(sender, poc, user, **kwargs):
    # Runs inside the creating transaction: if copying fails, the PoC is not created either.
    services.kickoff_setup(poc=poc, user=user)
