from django.apps import AppConfig


class PocsConfig(AppConfig):
    name = "apps.pocs"
    label = "pocs"
    verbose_name = "Proofs of concept"
