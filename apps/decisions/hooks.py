"""What runs when a decision is signed, inside the signing transaction.

An app above ``decisions`` (the report, which stores the PDF and its hash) registers a function
from its ``AppConfig.ready()``::

    register_on_sign("report", store_report, order=10)

``fn(decision, snapshot_bytes)`` runs after the decision, signature and snapshot rows are written
and before the transaction commits, so whatever it writes commits with the signature or not at
all; an exception refuses the signature. Registering the same name again replaces the hook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

OnSign = Callable[..., None]


@dataclass(frozen=True)
class Hook:
    name: str
    fn: OnSign
    order: int


_HOOKS: dict[str, Hook] = {}


def register_on_sign(name: str, fn: OnSign, *, order: int = 50) -> None:
    _HOOKS[name] = Hook(name, fn, order)


def unregister_on_sign(name: str) -> None:
    _HOOKS.pop(name, None)


def on_sign_hooks() -> list[Hook]:
    return sorted(_HOOKS.values(), key=lambda h: (h.order, h.name))
