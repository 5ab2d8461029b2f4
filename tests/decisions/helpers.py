"""Data that meets each graduation criterion, written directly (the tests are about the criteria, not
about the other apps' forms), and the signing call as the decision-maker makes it."""

from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.test import RequestFactory
from django.utils import timezone

from apps.costs.models import CostModel
from apps.decisions import selectors, services
from apps.evaluations.models import Dataset, EvalRun, ModelVersion, Targets
from apps.integrations.models import Integration, ProductionConcern
from apps.pocs.models import PoC, Stage
from tests.factories import PASSWORD

RESULTS = b"id,label,prediction\n1,a,a\n2,b,b\n3,a,b\n"


def standard_run(poc, *, accuracy_low: float = 0.9, kind: str = "production") -> EvalRun:
    """A standard dataset of ``kind`` and a computed run on it, with its results file stored."""
    dataset = Dataset.objects.create(poc=poc, name=f"Standard {kind}", kind=kind, is_standard=True)
    model = ModelVersion.objects.create(poc=poc, name="Model A")
    run = EvalRun(poc=poc, dataset=dataset, model_version=model, file_name="r.csv", file_size=len(RESULTS),
                  file_sha256=hashlib.sha256(RESULTS).hexdigest())
    run.file.save("r.csv", ContentFile(RESULTS), save=False)
    interval = {"value": accuracy_low + 0.05, "ci_low": accuracy_low, "ci_high": min(accuracy_low + 0.1, 1.0)}
    run.kind, run.n, run.headline, run.computed_at = "classification", 3, interval["value"], timezone.now()
    run.results = {"kind": "classification", "n": 3, "metrics": {"accuracy": interval}}
    run.save()
    return run


def meet_quality(poc, people):
    Targets.objects.create(poc=poc, quality_metric="accuracy", quality_threshold=0.8)
    standard_run(poc)


def meet_costs(poc, people):
    rows = [{"scale": scale, "monthly_cost": "10.00", "tornado": [], "p10": "9", "p90": "11"} for scale in (1, 5, 20)]
    CostModel.objects.create(poc=poc, results={"results": rows, "scenarios": {}}, computed_at=timezone.now())


def meet_owner(poc, people):
    PoC.objects.filter(pk=poc.pk).update(production_owner_budget_line="OPS-2027-01")


def meet_integration(poc, people):
    Integration.objects.create(poc=poc, system="Ledger", direction="reads_from", owning_team="Finance IT",
                               estimate_days=3, estimate_cost=1000, status="agreed")
    ProductionConcern.objects.filter(poc=poc).update(not_applicable=True, reason="Handled by the platform")


def meet_harness(poc, people):
    if not EvalRun.objects.filter(poc=poc, dataset__is_standard=True).exists():
        standard_run(poc)


def meet_decision_maker(poc, people):
    PoC.objects.filter(pk=poc.pk).update(decision_maker=people["decision_maker"])


MEET = {1: meet_quality, 2: meet_costs, 3: meet_owner, 4: meet_integration, 5: meet_harness,
        6: meet_decision_maker}


def meet_all(poc, people) -> PoC:
    for n in sorted(MEET):
        MEET[n](poc, people)
    return PoC.objects.get(pk=poc.pk)


def awaiting(poc, people, *, all_met: bool = True) -> PoC:
    """The PoC, its criteria met (or not), moved to awaiting decision by the lead's request."""
    if all_met:
        meet_all(poc, people)
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.EVALUATING, decision_due_date=timezone.localdate())
    poc = PoC.objects.get(pk=poc.pk)
    services.decision_request(poc=poc, user=people["lead"])
    return PoC.objects.get(pk=poc.pk)


def http_request(address: str = "127.0.0.1"):
    return RequestFactory().post("/sign/", REMOTE_ADDR=address)


def sign(poc, user, *, outcome="no_go", password=PASSWORD, rationale="Quality is not there yet.", conditions="",
         digest=None):
    poc = PoC.objects.get(pk=poc.pk)
    return services.decision_sign(
        poc=poc, user=user, request=http_request(), password=password, outcome=outcome, rationale=rationale,
        conditions=conditions, snapshot_sha256=digest or selectors.current_snapshot_sha256(poc),
    )
