"""Writes of the costs app: the cost model, its lines, and the recompute job's results.

Each service checks ``edit`` on the PoC, refuses a decided PoC, validates with the model's own
rules (``full_clean``; errors name the field) and writes inside ``audited(user)``. The cost model
needs no version: it is written under a row lock and the last write wins, each change audited.
Its value fields belong to the business case and are written through
``checklists.services.business_case_update`` in the same transaction, so a refusal anywhere
saves nothing. Every change queues one recompute (``tasks.cost_model_recompute_task``) unless one
is already waiting to start — changes made elsewhere too: a business case edit on the Kickoff page
and a run's new results reach ``cost_model_inputs_changed`` through the signals those apps send.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.audit.context import audited
from apps.checklists import selectors as kickoff
from apps.checklists.services import business_case_update
from apps.core.errors import ConflictError, ValidationFailed
from apps.core.jobs import job_enqueue, job_progress
from apps.core.models import Job
from apps.core.versioning import check_fields, validate, versioned_update
from apps.costs import calc, selectors
from apps.costs.models import CostLine, CostModel
from apps.pocs import access
from apps.pocs.models import PoC
from apps.pocs.services import check_open
from apps.pocs.signals import inputs_changed

MODEL_FIELDS = ("volume_per_month", "users", "scales", "quality", "model_version", "draws", "seed")
# API name -> the business case's field (the value side lives there, written through its service)
CASE_FIELDS = {"unit_name": "unit", "value_per_unit": "value_per_unit", "monthly_benefit": "monthly_benefit",
               "currency": "currency", "max_cost_per_unit": "max_cost_per_unit",
               "max_monthly_cost": "max_monthly_cost"}
LINE_FIELDS = ("name", "scenario", "category", "behaviour", "low", "likely", "high", "units_per_request",
               "capacity_per_node", "peak_to_average", "amortisation_months")
TEXT_FIELDS = ("name", "scenario", "category", "behaviour")
CASE_ATTEMPTS = 3


def _check(poc: PoC, user) -> None:
    access.check(poc, user, access.EDIT)
    check_open(poc)


def model_snapshot(model: CostModel) -> dict:
    return {f: (str(getattr(model, f)) if getattr(model, f) is not None else None) for f in MODEL_FIELDS}


def line_snapshot(line: CostLine) -> dict:
    return {k: v for k, v in selectors.line_body(line).items() if k in LINE_FIELDS}


def _locked_model(poc: PoC) -> CostModel:
    """The PoC's cost model row, created on first write, locked until the transaction ends."""
    CostModel.objects.get_or_create(poc=poc)
    model = CostModel.objects.select_for_update().get(poc=poc)
    model.poc = poc
    return model


def _write_case(poc: PoC, user, changes: dict[str, Any]) -> None:
    """The value side through the business case's own service (last write wins: its current version)."""
    if not changes:
        return
    for attempt in range(CASE_ATTEMPTS):
        case = kickoff.business_case(poc)
        if case is None:
            raise ValidationFailed("The PoC has no business case.", errors={
                next(iter(changes)): ["The PoC has no business case to hold this."]})
        case.poc = poc
        try:
            business_case_update(business_case=case, user=user, changes=changes, version=case.version)
            return
        except ConflictError:
            if attempt == CASE_ATTEMPTS - 1:
                raise
        except ValidationFailed as exc:  # name our fields, not the business case's
            renamed = {("unit_name" if k == "unit" else k): v for k, v in exc.errors.items()}
            raise ValidationFailed(exc.message.replace("unit:", "unit_name:", 1), errors=renamed) from None


def cost_model_update(*, poc: PoC, user, changes: dict[str, Any]) -> CostModel:
    """Change the baseline, scales and quality assumption, and the business case's value side.

    No version: the row is locked and the last write wins. An empty change only queues a recompute.
    """
    check_fields(changes, (*MODEL_FIELDS, *CASE_FIELDS))
    _check(poc, user)
    own = {k: v for k, v in changes.items() if k in MODEL_FIELDS}
    case = {CASE_FIELDS[k]: v for k, v in changes.items() if k in CASE_FIELDS}
    with audited(user), transaction.atomic():
        model = _locked_model(poc)
        if own:
            model = versioned_update(obj=model, user=user, changes=own, version=None, check_version=False,
                                     snapshot=model_snapshot, what="cost model")
            model.poc = poc
        _write_case(poc, user, case)
        _queue(model, user)
    return model


def cost_line_create(*, poc: PoC, user, data: dict[str, Any]) -> CostLine:
    """Add a cost line (``name``, ``category``, ``behaviour``, ``low`` / ``likely`` / ``high`` required)."""
    check_fields(data, LINE_FIELDS)
    _check(poc, user)
    line = CostLine(poc=poc, created_by=user)
    for name, value in data.items():
        if name in TEXT_FIELDS:
            value = "" if value is None else str(value).strip()
        elif value == "":
            value = None
        setattr(line, name, value)
    validate(line, ["poc", *LINE_FIELDS])
    with audited(user), transaction.atomic():
        line.save()
        _queue(_locked_model(poc), user)
    return line


def cost_line_update(*, line: CostLine, user, changes: dict[str, Any], version) -> CostLine:
    """Change a cost line; ``version`` is the one the caller read (None: last write wins)."""
    check_fields(changes, LINE_FIELDS)
    poc = line.poc
    _check(poc, user)
    with audited(user), transaction.atomic():
        saved = versioned_update(obj=line, user=user, changes=changes, version=version,
                                 check_version=version is not None, snapshot=line_snapshot, what="cost line")
        _queue(_locked_model(poc), user)
    saved.poc = poc
    return saved


def cost_line_delete(*, line: CostLine, user) -> None:
    """Remove a cost line."""
    poc = line.poc
    _check(poc, user)
    with audited(user), transaction.atomic():
        CostLine.objects.filter(pk=line.pk).delete()
        _queue(_locked_model(poc), user)


def cost_model_recompute(*, poc: PoC, user) -> CostModel:
    """Queue a recompute of the PoC's cost model (nothing else changes)."""
    _check(poc, user)
    with audited(user), transaction.atomic():
        model = _locked_model(poc)
        _queue(model, user)
    return model


def cost_model_inputs_changed(*, poc: PoC, user) -> CostModel | None:
    """Queue a recompute because an input kept elsewhere changed (the business case, the measured quality).

    Called from the signal of the service that made that change, inside its transaction, after its
    own checks; a PoC without a cost model has nothing to recompute.
    """
    check_open(poc)
    if not CostModel.objects.filter(poc=poc).exists():
        return None
    with audited(user), transaction.atomic():
        model = _locked_model(poc)
        _queue(model, user)
    return model


def _queue(model: CostModel, user) -> Job | None:
    """Queue the recompute unless one is already waiting to start (it will read the inputs as they are then)."""
    from apps.costs.tasks import cost_model_recompute_task

    waiting = selectors.recompute_job(model)
    if waiting is not None and waiting.status == Job.Status.QUEUED:
        return None
    job = job_enqueue(kind=selectors.JOB_KIND, task=cost_model_recompute_task, subject=model, user=user)
    CostModel.objects.filter(pk=model.pk).update(job_id=job.pk)
    model.job_id = job.pk
    return job


def cost_model_compute(*, poc_id: int, user=None, job=None) -> dict:
    """The job's work: read the inputs as they are now, compute (``calc``, no Django), store the results."""
    poc = PoC.objects.get(pk=poc_id)
    check_open(poc)
    if job is not None:
        job_progress(job, progress=10, message="Reading the cost lines")
    model = selectors.cost_model_for(poc)
    inputs, record = selectors.inputs_for(poc, model)
    if job is not None:
        job_progress(job, progress=30, message=f"Computing, with {model.draws:,} Monte Carlo draws")
    results = calc.compute(inputs) if inputs is not None else {"results": [], "scenarios": {}}
    results["inputs"] = record
    return cost_model_store(poc=poc, user=user if user is not None else getattr(job, "created_by", None),
                            results=results, inputs_hash=selectors.inputs_hash(record))


def cost_model_store(*, poc: PoC, user, results: dict, inputs_hash: str) -> dict:
    """Replace the stored results and the hash of the inputs they were computed from (the job's last step)."""
    check_open(poc)
    with audited(user), transaction.atomic():
        model = _locked_model(poc)
        model.results = results
        model.inputs_hash = inputs_hash
        model.computed_at = timezone.now()
        model.save(update_fields=["results", "inputs_hash", "computed_at", "updated_at"])
        inputs_changed(poc.pk)
    return {"cost_model": model.pk, "scales": len(results.get("results") or []), "inputs_hash": inputs_hash}
