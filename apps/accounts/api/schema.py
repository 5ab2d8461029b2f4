"""The OpenAPI schema and Swagger UI, for signed-in callers (session or token) only.

A browser that is not signed in is sent to the sign-in page and back; a request that sent an
``Authorization`` header that did not hold gets the API's 401. ``manage.py spectacular`` writes the
schema without a request, so CI needs no account.
"""

from django.contrib.auth.views import redirect_to_login
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import exceptions


class _SignInFirst:
    def handle_exception(self, exc):
        not_signed_in = isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed))
        if not_signed_in and "HTTP_AUTHORIZATION" not in self.request.META:
            return redirect_to_login(self.request.get_full_path())
        return super().handle_exception(exc)


class SchemaView(_SignInFirst, SpectacularAPIView):
    """The OpenAPI 3 schema of ``/api/v1/``."""


class SwaggerView(_SignInFirst, SpectacularSwaggerView):
    """Swagger UI for the schema, served from the installed sidecar package."""
