"""Writes of the integrations app: integrations and production concerns.

Each service checks the caller's right (``edit`` on the PoC: lead, contributors, admins), refuses
a decided PoC, validates with the model's own rules (``full_clean``) and writes inside
``audited(user)``. Edits go through ``versioned_update`` (a stale ``version`` answers 409).
Naming an owner grants them nothing: the owner may be any active user.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.audit.context import audited
from apps.core.errors import ConflictError, ValidationFailed
from apps.core.versioning import assign, check_fields, parse_version, validate, versioned_update
from apps.integrations.models import SEEDED_CONCERNS, ConcernKind, Integration, ProductionConcern
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.services import check_open
from apps.pocs.signals import inputs_changed

SCOPE_FIELDS = ("owning_team", "owner", "estimate_days", "estimate_cost", "confidence", "status", "notes")
INTEGRATION_FIELDS = ("system", "direction", "data_classification", "boundary", *SCOPE_FIELDS)
CONCERN_FIELDS = ("concern", "name", *SCOPE_FIELDS, "not_applicable", "reason")
CONCERN_EDIT_FIELDS = tuple(f for f in CONCERN_FIELDS if f != "concern")
MONEY_FIELDS = ("estimate_days", "estimate_cost")


def _check(poc: PoC, user) -> None:
    access.check(poc, user, access.EDIT)
    check_open(poc)


def _still_open(poc_id: int) -> None:
    """Read the stage again inside the write: a decision signed meanwhile wins."""
    check_open(PoC.objects.only("stage").get(pk=poc_id))
    inputs_changed(poc_id)  # every write here passes this way: the stall risk and criteria read its rows


def _value(row, field: str) -> Any:
    value = getattr(row, f"{field}_id" if field == "owner" else field)
    return str(value) if field in MONEY_FIELDS and value is not None else value


def integration_snapshot(integration: Integration) -> dict[str, Any]:
    """An integration's editable values as the API shows them."""
    return {field: _value(integration, field) for field in INTEGRATION_FIELDS}


def concern_snapshot(concern: ProductionConcern) -> dict[str, Any]:
    """A production concern's editable values as the API shows them."""
    return {field: _value(concern, field) for field in CONCERN_FIELDS}


def _apply(row, changes: dict[str, Any]) -> list[str]:
    for field, value in changes.items():
        if field == "not_applicable":
            value = bool(value)
        assign(row, field, value)
    return list(changes)


def _create(row, *, user, data: dict[str, Any], required: tuple[str, ...]):
    written = [*required, *(f for f in data if f not in required)]
    _apply(row, data)
    validate(row, ["poc", *written])
    with audited(user):
        _still_open(row.poc_id)
        row.save()
    return row


def integration_create(*, poc: PoC, user, data: dict[str, Any]) -> Integration:
    """List an integration: ``system`` and ``direction`` are required, the rest is filled in as it becomes
    known. The data classification defaults to the PoC's data sensitivity."""
    _check(poc, user)
    check_fields(data, INTEGRATION_FIELDS)
    data = dict(data)
    if data.get("data_classification") in (None, ""):
        data["data_classification"] = poc.data_sensitivity
    row = Integration(poc=poc)
    return _create(row, user=user, data=data, required=("system", "direction"))


def integration_update(*, integration: Integration, user, changes: dict[str, Any], version) -> Integration:
    _check(integration.poc, user)
    check_fields(changes, INTEGRATION_FIELDS)

    def apply(row, changes):
        _still_open(row.poc_id)
        return _apply(row, changes)

    return versioned_update(
        obj=integration, user=user, changes=changes, version=version, apply=apply,
        snapshot=integration_snapshot, what="integration",
    )


def _delete(row, *, user, version, snapshot, what: str) -> None:
    expected = parse_version(version) if version not in (None, "") else None
    with audited(user):
        current = type(row).objects.select_for_update().get(pk=row.pk)
        _still_open(current.poc_id)
        if expected is not None and current.version != expected:
            raise ConflictError(
                f"Someone else changed this {what} after you opened it. It was not removed; the current values "
                "are shown.",
                current=snapshot(current), current_version=current.version,
            )
        current.delete()


def integration_delete(*, integration: Integration, user, version=None) -> None:
    """Remove an integration (with ``version``, only if nobody changed it since)."""
    _check(integration.poc, user)
    _delete(integration, user=user, version=version, snapshot=integration_snapshot, what="integration")


def concern_create(*, poc: PoC, user, data: dict[str, Any]) -> ProductionConcern:
    """Add a production concern: ``concern`` is required (``custom`` with a ``name``); each of the seeded
    kinds is listed once per PoC."""
    _check(poc, user)
    check_fields(data, CONCERN_FIELDS)
    data = dict(data)
    data.setdefault("concern", ConcernKind.CUSTOM)
    if data["concern"] != ConcernKind.CUSTOM and (data.get("name") or "").strip():
        raise ValidationFailed("name: Only an added (custom) concern has a name of its own.",
                               errors={"name": ["Only an added (custom) concern has a name of its own."]})
    row = ProductionConcern(poc=poc)
    return _create(row, user=user, data=data, required=("concern", "name"))


def concern_update(*, concern: ProductionConcern, user, changes: dict[str, Any], version) -> ProductionConcern:
    """Change a concern's ownership, estimate and status, or mark it not applicable with a reason."""
    _check(concern.poc, user)
    check_fields(changes, CONCERN_EDIT_FIELDS)

    def apply(row, changes):
        _still_open(row.poc_id)
        if row.seeded and "name" in changes and (changes["name"] or "").strip() != row.name:
            raise ValidationFailed("name: A seeded concern keeps its name.",
                                   errors={"name": ["A seeded concern keeps its name."]})
        return _apply(row, changes)

    return versioned_update(
        obj=concern, user=user, changes=changes, version=version, apply=apply, snapshot=concern_snapshot,
        what="production concern",
    )


def concern_delete(*, concern: ProductionConcern, user, version=None) -> None:
    """Remove an added concern. A seeded one cannot be deleted: mark it not applicable with a reason."""
    _check(concern.poc, user)
    if concern.seeded:
        raise ValidationFailed(
            f"“{concern.label}” is one of the concerns every PoC lists and cannot be removed; mark it not "
            "applicable and say why.",
            errors={"not_applicable": ["Mark it not applicable, with a reason, instead of removing it."]},
        )
    _delete(concern, user=user, version=version, snapshot=concern_snapshot, what="production concern")


def concerns_setup(*, poc: PoC, user) -> list[ProductionConcern]:
    """List the seeded production concerns on a new PoC (run inside ``poc_create``)."""
    with audited(user), transaction.atomic():
        existing = set(ProductionConcern.objects.filter(poc=poc).values_list("concern", flat=True))
        rows = [ProductionConcern(poc=poc, concern=kind) for kind in SEEDED_CONCERNS if kind not in existing]
        return ProductionConcern.objects.bulk_create(rows)
