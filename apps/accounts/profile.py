"""Sections other apps add to the profile page (``/accounts/profile/``).

``accounts`` sits below the apps that own a person's preferences (notifications: the kinds of
reminder they mute), so those apps register a section here from their ``AppConfig.ready()``:
a template and a function of the request that returns its context.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable[..., dict]
    order: int


_SECTIONS: dict[str, Section] = {}


def register_section(key: str, template: str, context: Callable[..., dict], *, order: int = 100) -> None:
    _SECTIONS[key] = Section(key, template, context, order)


def sections(request) -> list[str]:
    """Each registered section rendered for ``request``, in order (HTML the page places as it is)."""
    return [
        render_to_string(s.template, s.context(request), request=request)
        for s in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))
    ]
