"""The PoC page header: the tabs and the badges, which any app can add to.

An app registers its tab and its badge from its ``AppConfig.ready()``, the way it registers
stage guards, so ``pocs`` lists what it does not know about:

    register_tab("kickoff", "Kickoff", "checklists:kickoff", order=20)
    register_badge("stall-risk", "checklists/_risk_badge.html", badge_context, order=30)

``order`` places a tab or badge among the others (pocs uses 10, 80, 90 for its own tabs and
10, 20 for the stage and timebox badges). Registering the same key again replaces it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe


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


# --- After an inline write -------------------------------------------------------------------------------

HEAD_TEMPLATE = "pocs/_poc_head.html"


def head_context(poc, page_context, *, request=None, oob: bool = False) -> dict:
    """The header's context: the PoC and every registered badge, rendered."""
    rendered = [
        mark_safe(render_to_string(badge.template, badge.context(poc, page_context), request=request))  # noqa: S308
        for badge in badges()
    ]
    return {"poc": poc, "badges": rendered, "oob": oob}


def saved_response(request, poc, html: str, *, page_context=None, status: int = 200, message: str = "Saved"):
    """The answer to a successful htmx write: ``html``, the header out of band, and two events.

    Every inline save and stage move answers through here, so the header (stage, week of the
    timebox, decision due, stall risk) is never stale:

    - the header is re-rendered and swapped in out of band (``hx-swap-oob``);
    - ``HX-Trigger: poc-changed`` lets panels that depend on the PoC refetch themselves
      (``hx-trigger="poc-changed from:body"``);
    - ``HX-Trigger-After-Settle: saved`` makes ``static/js/app.js`` say "Saved" in the page's
      status region once the swap has settled.
    """
    head = render_to_string(HEAD_TEMPLATE, head_context(poc, page_context or {}, request=request, oob=True),
                            request=request)
    response = HttpResponse(html + head, status=status)
    response["HX-Trigger"] = "poc-changed"
    response["HX-Trigger-After-Settle"] = json.dumps({"saved": message})
    return response
