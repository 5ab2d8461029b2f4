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


@register(Tags.security)
def endpoint_ca_file_readable(app_configs, **kwargs):
    """A configured certificate authority file must load: otherwise every https live run would fail late."""
    import ssl

    if not settings.MODEL_ENDPOINT_CA_FILE:
        return []
    try:
        ssl.create_default_context().load_verify_locations(cafile=settings.MODEL_ENDPOINT_CA_FILE)
    except (OSError, ssl.SSLError) as error:
        return [Error(f"MODEL_ENDPOINT_CA_FILE ({settings.MODEL_ENDPOINT_CA_FILE}) cannot be loaded: {error}.",
                      hint="Point it at a readable PEM file of certificate authorities, or unset it.",
                      id="evaluations.E002")]
    return []
