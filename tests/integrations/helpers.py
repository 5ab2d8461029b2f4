"""Shared by tests of other apps that need a PoC whose integration is scoped (stall reason 3 low)."""

from __future__ import annotations

from apps.integrations import services
from apps.integrations.models import ProductionConcern

DONE = {"owning_team": "Platform team", "estimate_days": "3", "estimate_cost": "1500", "confidence": "high",
        "status": "agreed"}


def scope_integration(poc, user, *, system: str = "Claims database"):
    """List one integration and own, estimate and agree it and every production concern."""
    row = services.integration_create(poc=poc, user=user, data={"system": system, "direction": "reads_from"})
    services.integration_update(integration=row, user=user, changes=dict(DONE), version=row.version)
    for concern in ProductionConcern.objects.filter(poc=poc):
        concern.poc = poc
        services.concern_update(concern=concern, user=user, changes=dict(DONE), version=concern.version)
    return row
