"""Datasets, their items and model versions: registered, edited and filled from a file."""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.db import transaction

from apps.audit.context import audited
from apps.core.versioning import check_fields, refuse, validate, versioned_update
from apps.evaluations import compute
from apps.evaluations.models import Dataset, ModelVersion
from apps.evaluations.services.common import _check, _check_upload, compute_safe_name
from apps.pocs.models import PoC
from apps.pocs.signals import inputs_changed

DATASET_FIELDS = ("name", "kind", "description", "provenance", "is_standard")
MODEL_VERSION_FIELDS = ("name", "provider", "release", "notes")
ITEM_COLUMNS = ("id", "input", "label")
ITEM_FIELDS = ("item_id", "input", "label", "segment")


def _create(model, *, poc: PoC, user, data: dict[str, Any], fields) -> Any:
    _check(poc, user)
    check_fields(data, fields)
    row = model(poc=poc, created_by=user)
    for name, value in data.items():
        if name in ("description", "provenance", "notes", "name", "provider", "release", "kind"):
            value = "" if value is None else str(value).strip()
        setattr(row, name, value)
    validate(row, ["poc", *fields])  # every field: the required ones are refused when missing
    with audited(user):
        row.save()
        inputs_changed(poc.pk)
    return row


def dataset_snapshot(dataset: Dataset) -> dict:
    return {f: getattr(dataset, f) for f in DATASET_FIELDS}


def model_version_snapshot(model_version: ModelVersion) -> dict:
    return {"name": model_version.name, "provider": model_version.provider, "version": model_version.release,
            "notes": model_version.notes}


def _one_standard(poc: PoC, data: dict[str, Any], *, other_than: int | None = None) -> None:
    if data.get("is_standard") in (True, "true", "True", "on", "1"):
        standard = Dataset.objects.filter(poc=poc, is_standard=True).exclude(pk=other_than).first()
        if standard is not None:
            raise refuse(
                "is_standard",
                f"The PoC already has a standard dataset ({standard.name}); unmark it first.",
            )


def dataset_create(*, poc: PoC, user, data: dict[str, Any]) -> Dataset:
    """Register a dataset (``name`` and ``kind`` required; at most one standard dataset per PoC)."""
    _check(poc, user)
    _one_standard(poc, data)
    return _create(Dataset, poc=poc, user=user, data=data, fields=DATASET_FIELDS)


def dataset_update(*, dataset: Dataset, user, changes: dict[str, Any], version) -> Dataset:
    _check(dataset.poc, user)
    check_fields(changes, DATASET_FIELDS)
    _one_standard(dataset.poc, changes, other_than=dataset.pk)
    saved = versioned_update(
        obj=dataset, user=user, changes=changes, version=version, snapshot=dataset_snapshot, what="dataset"
    )
    inputs_changed(dataset.poc_id)
    return saved


def model_version_create(*, poc: PoC, user, data: dict[str, Any]) -> ModelVersion:
    """Register a model version (``name`` required; ``provider``, ``release``, ``notes`` optional)."""
    return _create(ModelVersion, poc=poc, user=user, data=data, fields=MODEL_VERSION_FIELDS)


def model_version_update(*, model_version: ModelVersion, user, changes: dict[str, Any], version) -> ModelVersion:
    _check(model_version.poc, user)
    check_fields(changes, MODEL_VERSION_FIELDS)
    return versioned_update(
        obj=model_version, user=user, changes=changes, version=version, snapshot=model_version_snapshot,
        what="model version",
    )


def dataset_items_replace(*, dataset: Dataset, user, upload) -> int:
    """Replace the dataset's items with those of a CSV or JSONL file (``id``, ``input``, ``label``, optional
    ``segment``); the same bad-input rules as a results file. Returns the number of items."""
    from apps.evaluations.models import DatasetItem

    _check(dataset.poc, user)
    _check_upload(upload)
    upload.seek(0)
    data = upload.read()
    try:
        rows = compute.parse_items(data, filename=upload.name or "", max_rows=settings.HARNESS_MAX_ITEMS)
    except compute.InputRefused as refused:
        raise refuse("file", str(refused)) from None
    limit = DatasetItem._meta.get_field("label").max_length
    input_limit = DatasetItem._meta.get_field("input").max_length
    for number, row in enumerate(rows, start=1):
        for key in ("id", "label", "segment"):
            if len(row[key]) > limit:
                raise refuse("file", f"Column {key} is longer than {limit} characters on row {number}.")
        if len(row["input"]) > input_limit:
            raise refuse("file", f"Column input is longer than {input_limit:,} characters on row {number}.")
    with audited(user), transaction.atomic():
        locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
        DatasetItem.objects.filter(dataset=locked).delete()
        DatasetItem.objects.bulk_create(
            (DatasetItem(dataset=locked, item_id=r["id"], input=r["input"], label=r["label"], segment=r["segment"])
             for r in rows), batch_size=2000,
        )
        locked.items_count = len(rows)
        locked.items_file_name = compute_safe_name(upload.name)
        locked.items_sha256 = hashlib.sha256(data).hexdigest()
        locked.save(update_fields=["items_count", "items_file_name", "items_sha256", "updated_at"])
        inputs_changed(dataset.poc_id)
    dataset.items_count, dataset.items_file_name, dataset.items_sha256 = (
        locked.items_count, locked.items_file_name, locked.items_sha256)
    return len(rows)


def dataset_item_snapshot(item) -> dict:
    return {f: getattr(item, f) for f in ITEM_FIELDS}


def _short(value: str, limit: int = 60) -> str:
    value = " ".join(str(value).split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _item_recorded(dataset: Dataset, change: str) -> None:
    """Record a change of one item on the dataset's audited row (inside the caller's audited transaction):
    the trail then says who changed which item, from what to what."""
    from apps.evaluations.models import DatasetItem

    locked = Dataset.objects.select_for_update().get(pk=dataset.pk)
    locked.items_count = DatasetItem.objects.filter(dataset=locked).count()
    locked.items_change = change[: Dataset._meta.get_field("items_change").max_length]
    locked.save(update_fields=["items_count", "items_change", "updated_at"])
    inputs_changed(dataset.poc_id)
    dataset.items_count, dataset.items_change = locked.items_count, locked.items_change


def _item_apply(dataset: Dataset):
    from apps.evaluations.models import DatasetItem

    def apply(row, changes: dict[str, Any]) -> list[str]:
        for name, value in changes.items():
            setattr(row, name, "" if value is None else str(value).strip())
        if "item_id" in changes and DatasetItem.objects.filter(
                dataset=dataset, item_id=row.item_id).exclude(pk=row.pk).exists():
            raise refuse("item_id", f"The dataset already has an item with the id {row.item_id}.")
        return list(changes)

    return apply


def dataset_item_create(*, dataset: Dataset, user, data: dict[str, Any]):
    """Add one item to the dataset (``item_id``, ``input``, ``label`` required; ``segment`` optional)."""
    from apps.evaluations.models import DatasetItem

    _check(dataset.poc, user)
    check_fields(data, ITEM_FIELDS)
    row = DatasetItem(dataset=dataset)
    _item_apply(dataset)(row, {f: data.get(f, "") for f in ITEM_FIELDS})
    validate(row, list(ITEM_FIELDS))
    with audited(user), transaction.atomic():
        row.save()
        _item_recorded(dataset, f"Added item {_short(row.item_id)}: label “{_short(row.label)}”.")
    return row


def dataset_item_update(*, item, user, changes: dict[str, Any], version):
    """Change one item (any of ``ITEM_FIELDS``); the dataset's trail records each field before and after."""
    dataset = item.dataset
    _check(dataset.poc, user)
    check_fields(changes, ITEM_FIELDS)
    before = dataset_item_snapshot(item)
    with audited(user), transaction.atomic():
        row = versioned_update(obj=item, user=user, changes=changes, version=version,
                               snapshot=dataset_item_snapshot, what="item", apply=_item_apply(dataset))
        after = dataset_item_snapshot(row)
        changed = [f"{name} “{_short(before[name])}” → “{_short(after[name])}”"
                   for name in ITEM_FIELDS if before[name] != after[name]]
        if changed:
            _item_recorded(dataset, f"Changed item {_short(before['item_id'])}: " + "; ".join(changed) + ".")
    row.dataset = dataset
    return row


def dataset_item_delete(*, item, user) -> None:
    """Remove one item; the dataset's trail records which (with its label)."""
    dataset = item.dataset
    _check(dataset.poc, user)
    with audited(user), transaction.atomic():
        item.delete()
        _item_recorded(dataset, f"Removed item {_short(item.item_id)} (label “{_short(item.label)}”).")
