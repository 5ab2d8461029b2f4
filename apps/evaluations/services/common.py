"""What every evaluations service shares: the right and open-PoC check, the upload checks, number parsing,
and the engine that calls a model endpoint (live runs, load tests, drift re-runs)."""

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


def calls_engine(endpoint, destination, inputs: list[str], *, concurrency: int | None = None,
                 rate_per_s: float | None = None, deadline_s: float | None = None, headers=None):
    """The ``harness.Engine`` that sends each of ``inputs`` to ``endpoint`` at ``destination`` (as
    ``endpoints.checked_destination`` resolved it): the endpoint's request shape, headers (decrypted
    unless given), reply reader and time-out; at most its ``max_concurrency`` in flight (fewer when
    ``concurrency`` asks) and its ``max_rate_per_s`` unless ``rate_per_s`` is given; replies read up to
    ``HARNESS_MAX_REPLY_BYTES``, all within ``deadline_s`` (``HARNESS_MAX_RUN_SECONDS``)."""
    from apps.evaluations import endpoints, harness

    bodies = harness.request_bodies(endpoint.kind, model=endpoint.model, template=endpoint.request_template,
                                    inputs=inputs)
    most = endpoint.max_concurrency
    return harness.Engine(
        destination, endpoints.decrypt_headers(endpoint.headers_encrypted) if headers is None else headers, bodies,
        harness.response_reader(endpoint.kind, endpoint.response_path),
        harness.Limits(concurrency=min(concurrency or most, most), timeout_s=endpoint.timeout_s,
                       max_reply_bytes=settings.HARNESS_MAX_REPLY_BYTES,
                       deadline_s=deadline_s or settings.HARNESS_MAX_RUN_SECONDS,
                       rate_per_s=endpoint.max_rate_per_s if rate_per_s is None else rate_per_s),
        ca_file=settings.MODEL_ENDPOINT_CA_FILE,
    )
