"""Stall risk reason 3 (integration complexity), read live from the integrations and production concerns.

Registered with ``checklists.risk.register_signal`` from ``IntegrationsConfig.ready()``: high with
no integration listed or any item without an owner, medium while any is unestimated or not agreed
with its owning team, nothing (low) when the integration is scoped. The "why" names the items.
"""

from __future__ import annotations

from apps.checklists.risk import HIGH, MEDIUM, Finding, RiskInputs
from apps.integrations import selectors

INTEGRATION_REASON = 3  # checklists' Reason.INTEGRATION
SOURCE = "integrations"
NAMED = 3  # items named in a "why"; the rest are counted


def _names(items) -> str:
    names = [f"“{i.label}”" for i in items[:NAMED]]
    more = len(items) - NAMED
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def integration_scoped(inputs: RiskInputs) -> list[Finding]:
    items = selectors.scope_items(inputs.poc)
    findings = []
    if not any(i.kind == selectors.INTEGRATION for i in items):
        findings.append(Finding(
            HIGH, "No production integration is sketched: no system it reads from or writes to is listed.",
            "List the integrations on the Integrations tab: each system, its direction and the boundary it crosses.",
            SOURCE,
        ))
    unowned, unestimated, not_agreed = selectors.gaps(items).values()
    if unowned:
        findings.append(Finding(
            HIGH, f"Nobody owns {_names(unowned)}.",
            "Name the owning team (and a person) for each on the Integrations tab.", SOURCE,
        ))
    if unestimated:
        findings.append(Finding(
            MEDIUM, f"No estimate yet for {_names(unestimated)}.",
            "Get days of effort and a cost from each owning team.", SOURCE,
        ))
    if not_agreed:
        findings.append(Finding(
            MEDIUM, f"Not yet agreed with the owning team: {_names(not_agreed)}.",
            "Agree each estimate with the team that owns the system, then mark it agreed.", SOURCE,
        ))
    return findings
