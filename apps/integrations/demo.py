"""Integrations of the demo PoCs (used by ``seed_demo``): what a team that has started scoping would list."""

from __future__ import annotations

from apps.integrations import services
from apps.pocs.models import Stage

DEMO_INTEGRATIONS = [
    {"system": "ERP (supplier master and invoices)", "direction": "reads_from", "boundary": "Finance network",
     "owning_team": "Finance systems", "estimate_days": "6", "estimate_cost": "4800", "confidence": "medium",
     "status": "estimated"},
    {"system": "Shared mailbox", "direction": "reads_from", "owning_team": "Workplace IT", "estimate_days": "2",
     "estimate_cost": "1600", "confidence": "high", "status": "agreed"},
    {"system": "Ticket queue", "direction": "writes_to", "owning_team": "Service desk tooling",
     "confidence": "low", "status": "sketched"},
]
# A PoC that has got this far has listed its integrations; one still at kickoff has not yet.
SCOPED_FROM = (Stage.RUNNING, Stage.EVALUATING, Stage.AWAITING_DECISION)


def seed_demo_integrations(*, poc, user, stage: str) -> None:
    if stage not in SCOPED_FROM:
        return
    for data in DEMO_INTEGRATIONS:
        services.integration_create(poc=poc, user=user, data=data)
