"""Cost model of the demo PoCs (used by ``seed_demo``): a baseline and a few lines, hosted and on own hardware."""

from __future__ import annotations

from apps.costs import services
from apps.pocs.models import Stage

BASELINE = {"volume_per_month": "20000", "users": 40, "quality": "0.85"}
LINES = [
    {"name": "Model calls", "category": "inference", "behaviour": "per_unit", "low": "0.004", "likely": "0.006",
     "high": "0.010", "units_per_request": "2"},
    {"name": "Support and retraining", "category": "people", "behaviour": "fixed", "low": "1500",
     "likely": "2000", "high": "3000"},
    {"name": "Retrieval service", "category": "compute", "behaviour": "stepped", "low": "180", "likely": "220",
     "high": "300", "capacity_per_node": "5", "peak_to_average": "3"},
    {"name": "Inference server", "scenario": "own_hardware", "category": "gpu", "behaviour": "one_off",
     "low": "18000", "likely": "24000", "high": "32000", "amortisation_months": 36},
    {"name": "Operations of the server", "scenario": "own_hardware", "category": "people", "behaviour": "fixed",
     "low": "800", "likely": "1200", "high": "1800"},
]
# A PoC that is running has a first cost model; one still at kickoff has not.
MODELLED_FROM = (Stage.RUNNING, Stage.EVALUATING, Stage.AWAITING_DECISION)


def seed_demo_costs(*, poc, user, stage: str) -> None:
    if stage not in MODELLED_FROM:
        return
    services.cost_model_update(poc=poc, user=user, changes=BASELINE)
    for data in LINES:
        services.cost_line_create(poc=poc, user=user, data=data)
