"""What a signed decision freezes: every app contributes its part of the evidence.

A signed go/no-go stores a canonical JSON snapshot of the PoC and everything measured about it.
``pocs`` does not know the apps above it, and ``decisions`` must not be imported by them, so the
parts meet here: each app registers a function from its ``AppConfig.ready()``

    register_part("costs", snapshot_part, order=40)

that returns its part for one PoC as plain JSON values (``str``, numbers, booleans, ``None``,
lists, dicts; dates and decimals may be left to the reader, which writes them as text), and the
decisions app reads them all with ``collect(poc)``. Uploaded files are described by their name,
size and the SHA-256 of the stored bytes, read when the part is built. Registering the same name
again replaces the part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.pocs.models import EDITABLE_FIELDS, PEOPLE_FIELDS, PoC

Part = Callable[[PoC], Any]


@dataclass(frozen=True)
class SnapshotPart:
    name: str
    build: Part
    order: int


_PARTS: dict[str, SnapshotPart] = {}


def register_part(name: str, build: Part, *, order: int) -> None:
    _PARTS[name] = SnapshotPart(name, build, order)


def parts() -> list[SnapshotPart]:
    return sorted(_PARTS.values(), key=lambda p: (p.order, p.name))


def collect(poc: PoC) -> dict[str, Any]:
    """Every registered part for ``poc``, by name."""
    return {part.name: part.build(poc) for part in parts()}


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name(), "email": user.email, "title": user.title}


def poc_part(poc: PoC) -> dict[str, Any]:
    """The PoC itself: its fields (people with their names), stage and identity."""
    body: dict[str, Any] = {"id": poc.pk, "stage": poc.stage}
    for field in EDITABLE_FIELDS:
        if field in PEOPLE_FIELDS:
            body[field] = _person(getattr(poc, field))
        elif field == "business_unit":
            unit = poc.business_unit
            body[field] = None if unit is None else {"id": unit.pk, "name": unit.name}
        else:
            body[field] = getattr(poc, field)
    body["created_by"] = poc.created_by_id
    body["created_at"] = poc.created_at
    return body


register_part("poc", poc_part, order=10)
