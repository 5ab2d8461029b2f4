"""What every evaluations service shares: the right and open-PoC check, the upload checks, number parsing."""

from __future__ import annotations

from pathlib import PurePath

from django.conf import settings

from apps.core.versioning import refuse
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.services import check_open

ACCEPTED_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json", ".txt")


def _check(poc: PoC, user) -> None:
    access.check(poc, user, access.EDIT)
    check_open(poc)


def upload_limit() -> int:
    return settings.EVAL_UPLOAD_MAX_BYTES


def too_big_message() -> str:
    return f"The file is larger than the {upload_limit() / (1024 * 1024):.0f} MB limit (setting EVAL_UPLOAD_MAX_BYTES)."


def _check_upload(upload) -> None:
    if upload is None:
        raise refuse("file", "Choose a results file (CSV or JSONL).")
    if upload.size > upload_limit():
        raise refuse("file", too_big_message())
    if upload.size == 0:
        raise refuse("file", "The file is empty.")
    if PurePath(upload.name or "").suffix.lower() not in ACCEPTED_SUFFIXES:
        raise refuse("file", "Upload a CSV (.csv) or JSON Lines (.jsonl) file.")


def _number(field: str, value, *, default, kind=int, low=None, high=None):
    if value is None or value == "":
        return default
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise refuse(field, "Enter a number.") from None
    if kind is float and number != number:  # NaN
        raise refuse(field, "Enter a number.")
    if (low is not None and number < low) or (high is not None and number > high):
        raise refuse(field, f"Enter a number from {low} to {high}.")
    return number


def _options(resamples, seed) -> tuple[int, int]:
    return (
        _number("resamples", resamples, default=2000, low=100, high=100_000),
        _number("seed", seed, default=0, low=0, high=2**31 - 1),
    )


def compute_safe_name(name: str) -> str:
    base = PurePath((name or "results").replace("\\", "/")).name.strip() or "results"
    return "".join(ch for ch in base if ch.isprintable())[:200]
