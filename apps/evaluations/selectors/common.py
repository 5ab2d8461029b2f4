"""What the evaluations reads share: the "not handed in" marker and the way numbers are written in answers."""

from __future__ import annotations

_UNSET = object()


def _n(value: float | None, digits: int = 3) -> str:
    return "—" if value is None else f"{value:.{digits}f}"
