"""Extra columns on the My PoCs list, which any app can add to.

The list reads one page of PoCs; an app that knows more about them (the portfolio's stored
summary, say) registers a column from its ``AppConfig.ready()``:

    register_column("stall-risk", "Stall risk", "portfolio/_list_risk.html", rows, order=10)

``rows(pocs)`` gets the page's PoCs and returns ``{poc id: the cell template's context}`` read in
ONE query for the whole page, so the list costs the same queries for 1 PoC or a full page. A PoC
missing from the answer gets ``{}`` (the template says what is not known yet). ``order`` places
the column among the others, after Stage. Registering the same key again replaces it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    template: str
    rows: Callable[[list[Any]], dict[int, dict]]
    order: int


_COLUMNS: dict[str, Column] = {}


def register_column(
    key: str, label: str, template: str, rows: Callable[[list[Any]], dict[int, dict]], *, order: int
) -> None:
    _COLUMNS[key] = Column(key, label, template, rows, order)


def columns() -> list[Column]:
    return sorted(_COLUMNS.values(), key=lambda c: (c.order, c.key))


def attach(pocs: Iterable[Any]) -> list[Column]:
    """Give each PoC of the page its ``list_cells`` (one per registered column, in order); returns the columns.

    Each column's ``rows`` is called once for the whole page (none when the page is empty).
    """
    pocs = list(pocs)
    chosen = columns()
    found = {c.key: (c.rows(pocs) if pocs else {}) for c in chosen}
    for poc in pocs:
        poc.list_cells = [
            {"key": c.key, "label": c.label, "template": c.template, "context": found[c.key].get(poc.pk, {})}
            for c in chosen
        ]
    return chosen
