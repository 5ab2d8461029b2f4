"""The kinds of notification a person may mute, registered by the apps that send them.

``notifications`` sits below every domain app, so it cannot know their kinds; each app registers
the ones a person may turn off from its ``AppConfig.ready()``. A kind nobody registered (a decision
to sign, say) cannot be muted: ``notify`` delivers it without looking for a mute.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    key: str
    label: str
    description: str
    order: int


_KINDS: dict[str, Kind] = {}


def register(key: str, label: str, description: str = "", *, order: int = 100) -> None:
    """Let people mute notifications of kind ``key`` (registering the same key again replaces it)."""
    _KINDS[key] = Kind(key, label, description, order)


def mutable() -> list[Kind]:
    """The kinds a person may mute, in the order the profile page lists them."""
    return sorted(_KINDS.values(), key=lambda kind: (kind.order, kind.key))


def is_mutable(key: str) -> bool:
    return key in _KINDS
