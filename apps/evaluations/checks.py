"""Deployment checks of the evaluations app (``manage.py check --deploy``)."""

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def field_encryption_key_configured(app_configs, **kwargs):
    """Production (DEBUG off) refuses to start without the key that encrypts model endpoints' headers."""
    if settings.DEBUG or settings.FIELD_ENCRYPTION_KEY:
        return []
    return [
        Error(
            "FIELD_ENCRYPTION_KEY is not set: model endpoint headers (credentials) cannot be encrypted at rest.",
            hint="Set FIELD_ENCRYPTION_KEY to a Fernet key (python -c 'from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())'), and keep it: headers saved under one key cannot be read "
            "with another.",
            id="evaluations.E001",
        )
    ]
