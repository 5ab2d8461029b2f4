"""Configuration checks shown by ``manage.py check`` (and at every ``runserver`` / ``migrate``)."""

from django.conf import settings
from django.core.checks import Warning, register


@register()
def secret_key_configured(app_configs, **kwargs):
    if getattr(settings, "SECRET_KEY_EPHEMERAL", False):
        return [
            Warning(
                "SECRET_KEY is not set and the data folder has no key file: a key made for this process "
                "is used, so sign-ins end when it restarts and are not shared between processes.",
                hint="Set SECRET_KEY, or run `make run` (or `python -m pocportal.embedded_db secret-key`), "
                "which writes DATA_DIR/secret_key.",
                id="core.W001",
            )
        ]
    return []
