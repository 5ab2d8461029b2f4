"""API authentication with expiring tokens (``Authorization: Token <key>``)."""

from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from apps.accounts.models import ApiToken
from apps.accounts.services import token_hash, token_mark_used


class ExpiringTokenAuthentication(TokenAuthentication):
    """Finds the token by the hash of the key; an expired or revoked token answers 401."""

    keyword = "Token"
    model = ApiToken

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        if token.expires <= timezone.now():
            raise exceptions.AuthenticationFailed("Token has expired; ask for a new one at /api/v1/auth/token/.")
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        token_mark_used(token=token)
        return token.user, token
