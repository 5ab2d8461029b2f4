"""Reads of the costs app, for its pages, its API, its risk signal and the apps above it.

The value side comes from the business case (``checklists.selectors.business_case``) and the
measured quality from ``evaluations.selectors.measured_quality``; both are read, never copied.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

from apps.checklists import selectors as kickoff
from apps.core.selectors import job_for
from apps.costs import calc
from apps.costs.models import DEFAULT_SCALES, Behaviour, Category, CostLine, CostModel, Scenario
from apps.evaluations.selectors import measured_quality

CATEGORY_LABELS = dict(Category.choices)
SCENARIO_LABELS = dict(Scenario.choices)
BEHAVIOUR_LABELS = dict(Behaviour.choices)
JOB_KIND = "costs.recompute"


def cost_model_for(poc, *, lock: bool = False) -> CostModel:
    """The PoC's cost model, or an unsaved one with the defaults when none has been written yet."""
    rows = CostModel.objects.select_for_update() if lock else CostModel.objects
    model = rows.filter(poc_id=poc.pk).first()
    if model is None:
        model = CostModel(poc=poc, scales=list(DEFAULT_SCALES))
    model.poc = poc
    return model


def lines_for(poc) -> list[CostLine]:
    return list(CostLine.objects.filter(poc_id=poc.pk).order_by("scenario", "id"))


def stored_results(poc) -> dict | None:
    """The last stored results alone (one query), for the stall-risk signal."""
    return CostModel.objects.filter(poc_id=poc.pk).values_list("results", flat=True).first()


def quality_for(poc, model: CostModel) -> tuple[Decimal | None, dict]:
    """(quality used, its source): the measured one on the production sample when there is one, else the assumption."""
    measured = measured_quality(poc, model_version_id=model.model_version)
    if measured is not None:
        value = Decimal(repr(float(measured["value"]))).quantize(Decimal("0.000001"))
        return value, {"kind": "measured", "run": measured["run"], "metric": measured["metric"],
                       "model_version": measured["model_version"], "value": str(value)}
    assumed = model.quality
    return assumed, {"kind": "assumed", "value": None if assumed is None else str(assumed)}


def _line(line: CostLine) -> calc.Line:
    return calc.Line(
        name=line.name, category=line.category, behaviour=line.behaviour, scenario=line.scenario,
        low=line.low, likely=line.likely, high=line.high, units_per_request=line.units_per_request,
        capacity_per_node=line.capacity_per_node, peak_to_average=line.peak_to_average,
        amortisation_months=line.amortisation_months, key=str(line.pk),
    )


def _text(value) -> str | None:
    return None if value is None else str(value)


def inputs_for(poc, model: CostModel | None = None, lines: list[CostLine] | None = None, case=None,
               quality: tuple | None = None) -> tuple[calc.Inputs | None, dict]:
    """The calculation's inputs and a plain record of them (what results say they were computed from).

    The inputs are None while the model cannot be computed (no volume per month yet).
    """
    model = model if model is not None else cost_model_for(poc)
    lines = lines if lines is not None else lines_for(poc)
    case = case if case is not None else kickoff.business_case(poc)
    used, source = quality if quality is not None else quality_for(poc, model)
    record = {
        "volume_per_month": _text(model.volume_per_month),
        "users": model.users,
        "scales": [str(s) for s in model.scales],
        "quality": _text(used),
        "quality_source": source,
        "value_per_unit": _text(getattr(case, "value_per_unit", None)),
        "monthly_benefit": _text(getattr(case, "monthly_benefit", None)),
        "max_cost_per_unit": _text(getattr(case, "max_cost_per_unit", None)),
        "max_monthly_cost": _text(getattr(case, "max_monthly_cost", None)),
        "currency": getattr(case, "currency", ""),
        "draws": model.draws,
        "seed": model.seed,
        "lines": [
            {f: _text(getattr(line, f)) for f in ("pk", "name", "scenario", "category", "behaviour", "low", "likely",
                                                  "high", "units_per_request", "capacity_per_node",
                                                  "peak_to_average", "amortisation_months")}
            for line in lines
        ],
    }
    if model.volume_per_month is None:
        return None, record
    inputs = calc.Inputs(
        volume_per_month=model.volume_per_month,
        lines=[_line(line) for line in lines],
        scales=[Decimal(str(s)) for s in model.scales],
        value_per_unit=getattr(case, "value_per_unit", None),
        quality=used,
        monthly_benefit=getattr(case, "monthly_benefit", None),
        max_cost_per_unit=getattr(case, "max_cost_per_unit", None),
        max_monthly_cost=getattr(case, "max_monthly_cost", None),
        draws=model.draws,
        seed=model.seed,
    )
    return inputs, record


def inputs_hash(record: dict) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def recompute_job(model: CostModel):
    """The model's latest recompute job, or None."""
    if model.pk is None or model.job_id is None:
        return None
    return job_for(model, model.job_id)


def line_body(line: CostLine) -> dict:
    """A cost line as the API reads it (amounts as decimal strings)."""
    return {
        "id": line.pk,
        "name": line.name,
        "scenario": line.scenario,
        "category": line.category,
        "behaviour": line.behaviour,
        "low": _text(line.low),
        "likely": _text(line.likely),
        "high": _text(line.high),
        "units_per_request": _text(line.units_per_request),
        "capacity_per_node": _text(line.capacity_per_node),
        "peak_to_average": _text(line.peak_to_average),
        "amortisation_months": line.amortisation_months,
        "version": line.version,
    }


def cost_model_state(poc) -> dict:
    """Everything the page and the API show: inputs, the value side, the last results and whether they are stale."""
    model = cost_model_for(poc)
    lines = lines_for(poc)
    case = kickoff.business_case(poc)
    quality = quality_for(poc, model)
    inputs, record = inputs_for(poc, model, lines, case, quality)
    current_hash = inputs_hash(record)
    results = model.results or {}
    job = recompute_job(model)
    return {
        "model": model,
        "lines": lines,
        "case": case,
        "inputs": inputs,
        "record": record,
        "quality": quality,
        "results": results,
        "stale": bool(results) and model.inputs_hash != current_hash,
        "computable": inputs is not None,
        "job": job,
        "pending": job is not None and not job.is_final,
    }


def cost_model_body(state: dict) -> dict:
    """The cost model as the API reads it (see the README's "Costs")."""
    model, case, results = state["model"], state["case"], state["results"]
    used, source = state["quality"]
    body = {
        "unit_name": getattr(case, "unit", ""),
        "volume_per_month": _text(model.volume_per_month),
        "users": model.users,
        "scales": model.scales,
        "value_per_unit": _text(getattr(case, "value_per_unit", None)),
        "monthly_benefit": _text(getattr(case, "monthly_benefit", None)),
        "max_cost_per_unit": _text(getattr(case, "max_cost_per_unit", None)),
        "max_monthly_cost": _text(getattr(case, "max_monthly_cost", None)),
        "currency": getattr(case, "currency", ""),
        "quality": _text(model.quality),
        "quality_used": _text(used),
        "quality_source": {k: v for k, v in source.items() if k in ("kind", "run", "metric", "model_version")},
        "model_version": model.model_version,
        "draws": model.draws,
        "seed": model.seed,
        "results": [_api_row(r) for r in results.get("results") or []],
        "scenarios": {name: [_api_row(r) for r in rows] for name, rows in (results.get("scenarios") or {}).items()},
        "break_even_volume": results.get("break_even_volume"),
        "crossover_volume": results.get("crossover_volume"),
        "computed_at": model.computed_at.isoformat() if model.computed_at else None,
        "stale": state["stale"],
        "recomputing": state["pending"],
        "computed_from": results.get("inputs"),
    }
    return body


API_ROW_FIELDS = ("scale", "monthly_cost", "cost_per_unit", "by_category", "dominant_category", "value", "net_value",
                  "roi", "threshold_met", "p10", "p50", "p90", "p_net_positive", "volume", "tornado")


def _api_row(row: dict) -> dict:
    return {k: row.get(k) for k in API_ROW_FIELDS}
