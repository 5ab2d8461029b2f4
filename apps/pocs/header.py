"""The PoC page header: the tabs and the badges, which any app can add to.

An app registers its tab and its badge from its ``AppConfig.ready()``, the way it registers
stage guards, so ``pocs`` lists what it does not know about:

    register_tab("kickoff", "Kickoff", "checklists:kickoff", order=20)
    register_badge("stall-risk", "checklists/_risk_badge.html", badge_context, order=30)

``order`` places a tab or badge among the others (pocs uses 10, 80, 90 for its own tabs and
10, 20 for the stage and timebox badges). Registering the same key again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str  # reversed with the PoC's id as the only argument
    order: int

    def url(self, poc) -> str:
        return reverse(self.url_name, args=[poc.pk])


@dataclass(frozen=True)
class Badge:
    key: str
    template: str
    # (poc, the page's template context) -> the badge template's context
    context: Callable[[Any, Any], dict]
    order: int


_TABS: dict[str, Tab] = {}
_BADGES: dict[str, Badge] = {}


def register_tab(key: str, label: str, url_name: str, *, order: int) -> None:
    _TABS[key] = Tab(key, label, url_name, order)


def register_badge(key: str, template: str, context: Callable[[Any, Any], dict] | None = None, *, order: int) -> None:
    _BADGES[key] = Badge(key, template, context or (lambda poc, page: {"poc": poc}), order)


def tabs() -> list[Tab]:
    return sorted(_TABS.values(), key=lambda t: (t.order, t.key))


def badges() -> list[Badge]:
    return sorted(_BADGES.values(), key=lambda b: (b.order, b.key))
