"""Changing the validation questions, the acknowledged limits and the business case."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from apps.accounts.models import User
from apps.checklists import permissions
from apps.checklists.models import Acknowledgement, BusinessCase, ValidationQuestion
from apps.checklists.services.common import (
    check_fields,
    check_open,
    check_url,
    clean_text,
    refuse,
    versioned_update,
)

VALIDATION_FIELDS = ("hypothesis", "target", "answer", "evidence_url")
ACKNOWLEDGEMENT_FIELDS = ("acknowledged", "answered_where", "notes")
BUSINESS_CASE_FIELDS = (
    "value_hypothesis", "unit", "value_per_unit", "monthly_benefit", "max_cost_per_unit", "max_monthly_cost",
    "currency",
)
MONEY_FIELDS = ("value_per_unit", "monthly_benefit", "max_cost_per_unit", "max_monthly_cost")


def validation_snapshot(row: ValidationQuestion) -> dict[str, Any]:
    return {field: getattr(row, field) for field in VALIDATION_FIELDS}


def acknowledgement_snapshot(row: Acknowledgement) -> dict[str, Any]:
    return {field: getattr(row, field) for field in ACKNOWLEDGEMENT_FIELDS}


def business_case_snapshot(row: BusinessCase) -> dict[str, Any]:
    return {
        field: (str(getattr(row, field)) if field in MONEY_FIELDS and getattr(row, field) is not None
                else getattr(row, field))
        for field in BUSINESS_CASE_FIELDS
    }


def _text_apply(row, changes: dict[str, Any]) -> list[str]:
    for field, value in changes.items():
        setattr(row, field, clean_text(value))
    return list(changes)


def validation_update(
    *, validation: ValidationQuestion, user: User, changes: dict[str, Any], version: int | None
) -> ValidationQuestion:
    """State the hypothesis and target for one of the four questions, and later its answer and evidence."""
    check_fields(changes, VALIDATION_FIELDS)
    permissions.check_edit(validation.poc, user)
    check_open(validation.poc)

    def apply(row, changes):
        fields = _text_apply(row, changes)
        check_url("evidence_url", row.evidence_url)
        return fields

    return versioned_update(
        obj=validation, user=user, changes=changes, version=version, apply=apply, snapshot=validation_snapshot,
        what="validation question",
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
    check_fields(changes, ACKNOWLEDGEMENT_FIELDS)
    permissions.check_edit(acknowledgement.poc, user)
    check_open(acknowledgement.poc)

    def apply(row, changes):
        for field, value in changes.items():
            setattr(row, field, _bool(value) if field == "acknowledged" else clean_text(value))
        if row.acknowledged and not row.answered_where:
            raise refuse("answered_where", "Say where this will be answered instead, e.g. the cost model.")
        return list(changes)

    return versioned_update(
        obj=acknowledgement, user=user, changes=changes, version=version, apply=apply,
        snapshot=acknowledgement_snapshot, what="acknowledgement",
    )


def _money(field: str, value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise refuse(field, "Enter an amount such as 0.40 or 12000.") from None
    if not amount.is_finite() or amount < 0:
        raise refuse(field, "Enter an amount of zero or more.")
    places = BusinessCase._meta.get_field(field).decimal_places
    limit = Decimal(10) ** (BusinessCase._meta.get_field(field).max_digits - places)
    if amount >= limit or amount != amount.quantize(Decimal(1).scaleb(-places)):
        raise refuse(field, f"Enter an amount below {limit:,.0f} with at most {places} decimals.")
    return amount


def business_case_update(
    *, business_case: BusinessCase, user: User, changes: dict[str, Any], version: int | None
) -> BusinessCase:
    """Record the value hypothesis and the production economics that make deploying worth it."""
    check_fields(changes, BUSINESS_CASE_FIELDS)
    permissions.check_edit(business_case.poc, user)
    check_open(business_case.poc)

    def apply(row, changes):
        for field, value in changes.items():
            if field in MONEY_FIELDS:
                setattr(row, field, _money(field, value))
            elif field == "currency":
                code = clean_text(value).upper()
                if len(code) != 3 or not code.isalpha():
                    raise refuse("currency", "Use a three-letter currency code such as EUR.")
                row.currency = code
            else:
                setattr(row, field, clean_text(value))
        return list(changes)

    return versioned_update(
        obj=business_case, user=user, changes=changes, version=version, apply=apply,
        snapshot=business_case_snapshot, what="business case",
    )
