"""Reads of the integrations app, for its pages, the API, the stall risk, and later the decision and the report.

``summary(poc)`` is the totals and the "integration scoped" verdict (the same dict the summary
endpoint answers); ``diagram_svg(poc)`` the diagram drawn from the data (the same SVG the page
shows, the endpoint serves and the report embeds).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import CharField, F, Value
from django.urls import reverse

from apps.integrations.models import ConcernKind, Integration, ProductionConcern, ScopeStatus
from apps.pocs.models import PoC

INTEGRATION, CONCERN = "integration", "concern"


def integrations_for(poc: PoC) -> list[Integration]:
    return list(Integration.objects.filter(poc_id=poc.pk).select_related("owner"))


def concerns_for(poc: PoC) -> list[ProductionConcern]:
    return list(ProductionConcern.objects.filter(poc_id=poc.pk).select_related("owner"))


@dataclass(frozen=True)
class ScopeItem:
    """One integration or applicable production concern, as the verdict and the stall risk read it."""

    kind: str  # INTEGRATION or CONCERN
    pk: int
    label: str
    owned: bool
    estimated: bool
    agreed: bool
    days: Decimal | None
    cost: Decimal | None
    not_applicable: bool = False

    @property
    def anchor(self) -> str:
        return f"{self.kind}-{self.pk}"

    @classmethod
    def of(cls, row: Integration | ProductionConcern) -> ScopeItem:
        concern = isinstance(row, ProductionConcern)
        return cls(
            kind=CONCERN if concern else INTEGRATION, pk=row.pk, label=row.label, owned=row.is_owned,
            estimated=row.is_estimated, agreed=row.is_agreed, days=row.estimate_days, cost=row.estimate_cost,
            not_applicable=concern and row.not_applicable,
        )


_COLUMNS = ("k", "id", "text", "kind", "owner_id", "owning_team", "estimate_days", "estimate_cost", "status", "na")


def scope_items(poc: PoC) -> list[ScopeItem]:
    """Every integration and production concern of ``poc`` in one query (the stall risk runs on every page)."""
    text = CharField()
    integrations = Integration.objects.filter(poc_id=poc.pk).annotate(
        k=Value(INTEGRATION, output_field=text), text=F("system"), kind=Value("", output_field=text),
        na=Value(False),
    ).order_by().values_list(*_COLUMNS)
    concerns = ProductionConcern.objects.filter(poc_id=poc.pk).annotate(
        k=Value(CONCERN, output_field=text), text=F("name"), kind=F("concern"), na=F("not_applicable"),
    ).order_by().values_list(*_COLUMNS)
    items = []
    for k, pk, name, kind, owner_id, team, days, cost, status, na in integrations.union(concerns, all=True):
        label = name if k == INTEGRATION or kind == ConcernKind.CUSTOM else ConcernKind(kind).label
        items.append(ScopeItem(
            kind=k, pk=pk, label=label, owned=bool(owner_id or team), estimated=days is not None and cost is not None,
            agreed=status == ScopeStatus.AGREED, days=days, cost=cost, not_applicable=na,
        ))
    # Integrations by name, then concerns in the order they were listed (seeded first).
    return sorted(items, key=lambda i: (i.kind != INTEGRATION, i.label.casefold() if i.kind == INTEGRATION else "",
                                        i.pk))


def gaps(items: list[ScopeItem]) -> dict[str, list[ScopeItem]]:
    """The applicable items not owned, not estimated, and not agreed, in that order."""
    applicable = [i for i in items if not i.not_applicable]
    return {
        "unowned": [i for i in applicable if not i.owned],
        "unestimated": [i for i in applicable if not i.estimated],
        "not_agreed": [i for i in applicable if not i.agreed],
    }


def _name(item: ScopeItem) -> str:
    return f"the integration “{item.label}”" if item.kind == INTEGRATION else f"the concern “{item.label}”"


def summary(poc: PoC, *, integrations=None, concerns=None) -> dict:
    """The totals and the verdict: scoped when at least one integration is listed and every integration
    and applicable concern is owned (an owning team or an owner named), estimated (days and cost) and
    agreed with the owning team. Concerns marked not applicable count in ``concerns`` only.

    Rows the caller already loaded can be handed in to save the query.
    """
    if integrations is not None and concerns is not None:
        items = [ScopeItem.of(row) for row in [*integrations, *concerns]]
    else:
        items = scope_items(poc)
    applicable = [i for i in items if not i.not_applicable]
    n_integrations = sum(1 for i in items if i.kind == INTEGRATION)
    unowned, unestimated, not_agreed = gaps(items).values()
    page = reverse("integrations:index", args=[poc.pk])
    missing = []
    if not n_integrations:
        missing.append({
            "code": "no_integrations",
            "message": "No integration is listed: sketch the systems it reads from and writes to.",
            "url": f"{page}#integrations",
        })
    for code, rows, says in (
        ("unowned", unowned, "has no owning team or owner"),
        ("unestimated", unestimated, "has no estimate in days and cost"),
        ("not_agreed", not_agreed, "is not yet agreed with the owning team"),
    ):
        missing += [
            {"code": f"{i.kind}_{code}", "message": f"{_name(i)[0].upper()}{_name(i)[1:]} {says}.",
             "url": f"{page}#{i.anchor}"}
            for i in rows
        ]
    return {
        "integrations": n_integrations,
        "concerns": len(items) - n_integrations,
        "estimate_days": sum((i.days for i in applicable if i.days is not None), Decimal("0.0")),
        "estimate_cost": sum((i.cost for i in applicable if i.cost is not None), Decimal("0.00")),
        "unowned": len(unowned),
        "unestimated": len(unestimated),
        "not_agreed": len(not_agreed),
        "scoped": bool(n_integrations) and not (unowned or unestimated or not_agreed),
        "missing": missing,
    }


def diagram_svg(poc: PoC, *, integrations=None, concerns=None) -> str:
    """The integration diagram of ``poc`` as an SVG document (every name escaped)."""
    from apps.integrations.diagram import render

    if integrations is None:
        integrations = integrations_for(poc)
    if concerns is None:
        concerns = concerns_for(poc)
    return render(poc, integrations, concerns)
