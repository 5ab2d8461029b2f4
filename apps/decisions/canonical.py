"""Canonical JSON (RFC 8785, the JSON Canonicalization Scheme) and SHA-256 over it.

The same document always gives the same bytes (keys sorted by code point, numbers in their
shortest form, no whitespace), so a hash of them can be recomputed by anyone holding the bytes.
Values the JSON model has no type for are written as text first: dates and times in ISO 8601
(times in UTC), decimals as their exact digits, tuples as lists.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import uuid
from decimal import Decimal
from typing import Any

import rfc8785


def plain(value: Any) -> Any:
    """``value`` with every part made a JSON type."""
    if value is None or isinstance(value, bool | str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [plain(item) for item in value]
        return sorted(items, key=repr) if isinstance(value, set | frozenset) else items
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def dumps(document: Any) -> bytes:
    """The canonical bytes of ``document``."""
    return rfc8785.dumps(plain(document))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
