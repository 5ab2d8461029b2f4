"""Writes to accounts: API tokens issued, used and revoked; a person's own settings."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from apps.accounts.models import ApiToken, User
from apps.audit.context import audited
from apps.core.errors import ValidationFailed

# ``last_used`` is written at most this often per token, so a busy client does not write on every call.
LAST_USED_EVERY = timedelta(minutes=5)


def token_hash(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


def token_issue(*, user: User, created_from: str = "") -> tuple[ApiToken, str]:
    """A new token for ``user`` and its key (the only time the key exists outside the caller)."""
    key = secrets.token_hex(20)
    now = timezone.now()
    with audited(user):
        token = ApiToken.objects.create(
            user=user,
            key_hash=token_hash(key),
            prefix=key[:8],
            created_from=created_from[:200],
            created=now,
            expires=now + timedelta(days=settings.API_TOKEN_TTL_DAYS),
        )
    return token, key


def token_mark_used(*, token: ApiToken) -> None:
    """Records when the token was last used (at most every few minutes; the column is not audited)."""
    now = timezone.now()
    if token.last_used is None or now - token.last_used >= LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now


def token_revoke(*, user: User, token_id) -> None:
    """Deletes one of ``user``'s own tokens; any other id (someone else's, or none) is ``Http404``."""
    try:
        token_id = int(token_id)
    except (TypeError, ValueError):
        raise Http404("No such token.") from None
    with audited(user):
        deleted, _ = ApiToken.objects.filter(user=user, pk=token_id).delete()
    if not deleted:
        raise Http404("No such token.")


def tokens_revoke_all(*, user: User, reason: str = "") -> int:
    """Deletes every token of ``user`` (a new password ends them all). Returns how many there were."""
    with audited(user, {"reason": reason} if reason else None):
        deleted, _ = ApiToken.objects.filter(user=user).delete()
    return deleted


def profile_update(*, user: User, time_zone: str) -> User:
    """Set the person's own time zone (an IANA name; anything else is refused, naming the field)."""
    value = (time_zone or "").strip()
    user.time_zone = value
    try:
        user.full_clean(validate_unique=False, exclude=[f.name for f in User._meta.fields if f.name != "time_zone"])
    except ValidationError as exc:
        user.refresh_from_db(fields=["time_zone"])
        messages = exc.message_dict.get("time_zone", exc.messages)
        raise ValidationFailed(" ".join(messages), errors={"time_zone": messages}) from None
    with audited(user):
        User.objects.filter(pk=user.pk).update(time_zone=value)
    return user
