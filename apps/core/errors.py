"""Domain errors raised by services and translated once, for pages and for the API."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refused write. ``errors`` maps a field name (or ``"__all__"``) to messages."""

    status_code = 400

    def __init__(self, message: str, *, errors: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


class ValidationFailed(ServiceError):
    status_code = 400


class ConflictError(ServiceError):
    """The row changed since the caller read it (optimistic lock). ``current`` is its state now."""

    status_code = 409

    def __init__(self, message: str, *, current: dict[str, Any], current_version: int):
        super().__init__(message)
        self.current = current
        self.current_version = current_version


class TransitionRefused(ServiceError):
    """A stage move whose guard conditions are not met; ``missing`` lists them."""

    status_code = 400

    def __init__(self, message: str, *, missing: list[dict[str, str]]):
        super().__init__(message)
        self.missing = missing
