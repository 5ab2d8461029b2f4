"""The one optimistic-lock write every service uses for rows that people edit.

A row that people edit carries ``version``. A caller sends the version it last read; the
write locks the row (``SELECT … FOR UPDATE``), refuses a stale version with ``ConflictError``
(409, with the current values), applies and validates the changes with the model's own rules
(``full_clean``), bumps the version by one and saves, all inside one audited transaction.
Nothing is written when anything is refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models

from apps.audit.context import audited
from apps.core.errors import ConflictError, ValidationFailed


def refuse(field: str, message: str) -> ValidationFailed:
    """A refusal naming ``field``: ``field: message``, with the field's error list."""
    return ValidationFailed(f"{field}: {message}", errors={field: [message]})


def check_fields(changes: dict[str, Any], allowed: Iterable[str]) -> None:
    """Refuse changes to any field outside ``allowed``, naming each one."""
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValidationFailed(
            f"These fields cannot be changed here: {', '.join(sorted(unknown))}",
            errors={name: ["Not editable."] for name in sorted(unknown)},
        )


def parse_version(version: Any) -> int:
    """The version a caller sent, as an int; a missing or malformed one is refused, naming ``version``."""
    if version is None or version == "":
        raise refuse("version", "Send the version you last read.")
    if isinstance(version, bool):
        raise refuse("version", "The version is a whole number.")
    try:
        return int(version)
    except (TypeError, ValueError):
        raise refuse("version", "The version is a whole number.") from None


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """A Django ``ValidationError`` as the service error pages and the API answer with (400)."""
    if hasattr(exc, "error_dict"):
        errors = {
            ("__all__" if field == NON_FIELD_ERRORS else field): [str(m) for m in messages]
            for field, messages in exc.message_dict.items()
        }
    else:
        errors = {"__all__": [str(m) for m in exc.messages]}
    field, messages = next(iter(errors.items()))
    message = messages[0] if field == "__all__" else f"{field}: {messages[0]}"
    return ValidationFailed(message, errors=errors)


def validate(obj: models.Model, fields: Iterable[str]) -> None:
    """Run the model's own validation (field validators, ``clean()``, constraints) for ``fields``.

    Columns not being written are left out, so an old row with a value that a newer rule would
    refuse can still be edited elsewhere. Raises ``ValidationFailed`` naming the fields.
    """
    names = set(fields)
    exclude = [f.name for f in obj._meta.concrete_fields if f.name not in names and f.attname not in names]
    try:
        obj.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as exc:
        raise validation_failed(exc) from None


def assign(row: models.Model, field: str, value: Any, *, strip: bool = True) -> None:
    """Set ``field`` from input as sent (a form's or the API's), leaving checks to ``validate``.

    Text is stripped (unless ``strip`` is false) and a missing text becomes ""; an empty string
    for any other field means "no value" (None). Values are not parsed here: the model's own
    field cleaning turns "2026-05-01" into a date or "0.40" into a decimal, and names the field
    when it cannot.
    """
    model_field = row._meta.get_field(field)
    if isinstance(model_field, models.CharField | models.TextField):
        value = "" if value is None else str(value)
        if strip:
            value = value.strip()
    elif value == "":
        value = None
    if model_field.is_relation and not isinstance(value, models.Model):
        setattr(row, model_field.attname, value)
    else:
        setattr(row, field, value)


def _default_apply(row: models.Model, changes: dict[str, Any]) -> list[str]:
    for field, value in changes.items():
        assign(row, field, value)
    return list(changes)


def versioned_update(
    *,
    obj: models.Model,
    user,
    changes: dict[str, Any],
    version: Any,
    snapshot: Callable[[models.Model], dict[str, Any]],
    what: str,
    apply: Callable[[models.Model, dict[str, Any]], list[str]] | None = None,
    queryset: models.QuerySet | None = None,
    check_version: bool = True,
) -> models.Model:
    """Lock ``obj``'s row, refuse a stale ``version``, apply, validate, bump the version and save.

    ``apply(row, changes)`` sets the fields on the locked row and returns the columns it set
    (default: set each change as given, strings stripped); it may raise ``ValidationFailed``.
    The model's own rules then run on those columns (``full_clean``). ``snapshot(row)`` is what a
    conflict shows as the current values. Returns the saved row.

    A move that is not an edit of what the caller read (a stage move, say) passes
    ``check_version=False``: the row is still locked and its version still bumped, so editors
    who read it before the move get a conflict. Changes that leave every column as it was save
    nothing (the version stays, the audit trail records no empty event).
    """
    expected = parse_version(version) if check_version else None
    model = type(obj)
    rows = queryset if queryset is not None else model._default_manager.all()
    with audited(user):
        current = rows.select_for_update().get(pk=obj.pk)
        if check_version and current.version != expected:
            raise ConflictError(
                f"Someone else changed this {what} after you opened it. Your changes were not saved; "
                "the current values are shown.",
                current=snapshot(current),
                current_version=current.version,
            )
        before = {f.attname: f.value_from_object(current) for f in model._meta.concrete_fields}
        fields = (apply or _default_apply)(current, changes)
        validate(current, fields)
        if all(before[f.attname] == f.value_from_object(current) for f in model._meta.concrete_fields):
            # A save that changes nothing writes nothing: no new version, no empty audit event.
            return current
        current.version += 1  # the row is locked until commit: no concurrent increment
        update_fields = [*dict.fromkeys(fields), "version"]
        if any(f.name == "updated_at" for f in model._meta.concrete_fields):
            update_fields.append("updated_at")
        current.save(update_fields=update_fields)
    return current
