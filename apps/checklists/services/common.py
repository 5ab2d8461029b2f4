"""The optimistic-lock write every kickoff service shares."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import F

from apps.audit.context import audited
from apps.core.errors import ConflictError, ValidationFailed
from apps.pocs.models import PoC, Stage

_url = URLValidator(schemes=["http", "https"])


def refuse(field: str, message: str):
    return ValidationFailed(f"{field}: {message}", errors={field: [message]})


def check_fields(changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}",
            errors={name: ["Not editable."] for name in sorted(unknown)},
        )


def check_open(poc: PoC) -> None:
    if poc.stage == Stage.DECIDED:
        raise ValidationFailed("A decided PoC cannot be changed.")


def check_url(field: str, value: str) -> None:
    if value:
        try:
            _url(value)
        except ValidationError:
            raise refuse(field, "Enter a full web address starting with http:// or https://.") from None


def versioned_update(
    *,
    obj: models.Model,
    user,
    changes: dict[str, Any],
    version: int | None,
    apply: Callable[[models.Model, dict[str, Any]], list[str]],
    snapshot: Callable[[models.Model], dict[str, Any]],
    what: str,
) -> models.Model:
    """Lock the row, refuse a stale ``version``, let ``apply`` set and validate fields, save, bump the version.

    ``apply`` returns the columns it set and raises ``ValidationFailed`` to refuse; nothing is
    written when anything is refused.
    """
    if version is None or version == "":
        raise refuse("version", "Send the version you last read.")
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise refuse("version", "The version is a whole number.") from None
    model = type(obj)
    with audited(user):
        current = model.objects.select_for_update().get(pk=obj.pk)
        if current.version != version:
            raise ConflictError(
                f"Someone else changed this {what} after you opened it. Your changes were not saved; "
                "the current values are shown.",
                current=snapshot(current),
                current_version=current.version,
            )
        fields = apply(current, changes)
        current.version = F("version") + 1
        current.save(update_fields=[*fields, "version", "updated_at"])
    current.refresh_from_db()
    return current


def clean_text(value: Any) -> str:
    return "" if value is None else str(value).strip()
