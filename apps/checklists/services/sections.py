"""Changing the validation questions, the acknowledged limits and the business case.

Each field's limits (lengths, web addresses, amounts, the currency code) and the rules that
span fields live on the model; ``versioned_update`` enforces them with ``full_clean``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.accounts.models import User
from apps.checklists import permissions
from apps.checklists.models import Acknowledgement, BusinessCase, ValidationQuestion
from apps.checklists.signals import business_case_changed
from apps.core.versioning import assign, check_fields, refuse, versioned_update
from apps.pocs.services import check_open
from apps.pocs.signals import inputs_changed

VALIDATION_FIELDS = ("hypothesis", "target", "answer", "evidence_url")
ACKNOWLEDGEMENT_FIELDS = ("acknowledged", "answered_where", "notes")
BUSINESS_CASE_FIELDS = (
    "value_hypothesis", "unit", "value_per_unit", "monthly_benefit", "max_cost_per_unit", "max_monthly_cost",
    "currency",
)
MONEY_FIELDS = ("value_per_unit", "monthly_benefit", "max_cost_per_unit", "max_monthly_cost")


def snapshot_of(fields: tuple[str, ...]):
    """The editable state of a row as the API shows it (amounts as strings, like the serializers)."""

    def snapshot(row) -> dict[str, Any]:
        values = {field: getattr(row, field) for field in fields}
        return {f: str(v) if f in MONEY_FIELDS and v is not None else v for f, v in values.items()}

    return snapshot


def _update(row, *, user: User, changes: dict[str, Any], version, fields, what: str, apply=None):
    check_fields(changes, fields)
    permissions.check_edit(row.poc, user)
    check_open(row.poc)
    saved = versioned_update(
        obj=row, user=user, changes=changes, version=version, apply=apply, snapshot=snapshot_of(fields), what=what
    )
    inputs_changed(row.poc_id)
    return saved


def validation_update(
    *, validation: ValidationQuestion, user: User, changes: dict[str, Any], version: int | None
) -> ValidationQuestion:
    """State the hypothesis and target for one of the four questions, and later its answer and evidence."""
    return _update(
        validation, user=user, changes=changes, version=version, fields=VALIDATION_FIELDS, what="validation question"
    )


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if str(value).strip().lower() in {"0", "false", "no", "off", ""}:
        return False
    raise refuse("acknowledged", "Answer true or false.")


def acknowledgement_update(
    *, acknowledgement: Acknowledgement, user: User, changes: dict[str, Any], version: int | None
) -> Acknowledgement:
    """Acknowledge something the PoC cannot tell; an acknowledgement says where it will be answered instead."""

    def apply(row, changes):
        for field, value in changes.items():
            assign(row, field, _bool(value) if field == "acknowledged" else value)
        return list(changes)

    return _update(
        acknowledgement, user=user, changes=changes, version=version, fields=ACKNOWLEDGEMENT_FIELDS,
        what="acknowledgement", apply=apply,
    )


def business_case_update(
    *, business_case: BusinessCase, user: User, changes: dict[str, Any], version: int | None
) -> BusinessCase:
    """Record the value hypothesis and the production economics that make deploying worth it."""

    def apply(row, changes):
        for field, value in changes.items():
            if field == "currency" and isinstance(value, str):
                value = value.strip().upper()
            elif field in MONEY_FIELDS and isinstance(value, str):
                value = value.strip()
            assign(row, field, value)
        return list(changes)

    with transaction.atomic():
        saved = _update(
            business_case, user=user, changes=changes, version=version, fields=BUSINESS_CASE_FIELDS,
            what="business case", apply=apply,
        )
        business_case_changed.send(sender=BusinessCase, poc=saved.poc, user=user)
    return saved
