"""The integrations' part of a signed decision's snapshot (registered in ``IntegrationsConfig.ready``)."""

from __future__ import annotations

from apps.integrations import selectors

SCOPED_FIELDS = ("owning_team", "owner_id", "estimate_days", "estimate_cost", "confidence", "status", "notes")


def snapshot_part(poc) -> dict:
    """The totals and verdict, and every integration and production concern."""
    integrations = selectors.integrations_for(poc)
    concerns = selectors.concerns_for(poc)
    return {
        "summary": selectors.summary(poc, integrations=integrations, concerns=concerns),
        "integrations": [
            {"id": i.pk, "system": i.system, "direction": i.direction, "data_classification": i.data_classification,
             "boundary": i.boundary, **{f: getattr(i, f) for f in SCOPED_FIELDS}}
            for i in integrations
        ],
        "concerns": [
            {"id": c.pk, "concern": c.concern, "name": c.name, "not_applicable": c.not_applicable,
             "reason": c.reason, **{f: getattr(c, f) for f in SCOPED_FIELDS}}
            for c in concerns
        ],
    }
