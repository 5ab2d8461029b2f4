"""A decided PoC's record is final: every service that writes PoC data refuses it, for everyone.

The list of services is read from the code, so a new service must be added to ``CALLS`` (and so
to this rule) or to ``NOT_POC_WRITES`` with the reason it does not write a PoC's data.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import pkgutil
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import apps
from apps.audit.models import AuditEvent
from apps.checklists import services as kickoff
from apps.core.errors import ValidationFailed
from apps.pocs import services
from apps.pocs.models import Membership, PoC, Stage

pytestmark = pytest.mark.django_db

NOT_POC_WRITES = {
    "apps.accounts.services.token_hash": "hashes a key",
    "apps.accounts.services.token_issue": "writes a person's API token, no PoC data",
    "apps.accounts.services.token_mark_used": "writes when a person's API token was last used, no PoC data",
    "apps.accounts.services.token_revoke": "deletes a person's API token, no PoC data",
    "apps.accounts.services.tokens_revoke_all": "deletes a person's API tokens, no PoC data",
    "apps.pocs.services.check_open": "the check itself",
    "apps.pocs.services.field_value": "reads a field",
    "apps.pocs.services.poc_snapshot": "reads the fields",
    "apps.pocs.services.poc_create": "creates a new PoC in draft",
    "apps.pocs.services.poc_new_attempt": "creates a new PoC in draft; the decided PoC it follows is not written",
    "apps.pocs.services.poc_summary_compute": "reads the PoC for a job's result",
    "apps.pocs.services.poc_summary_request": "queues a read-only summary job; writes no PoC data",
    "apps.checklists.services.items.item_snapshot": "reads an item",
    "apps.checklists.services.sections.snapshot_of": "reads a section",
    "apps.checklists.services.setup.current_template": "reads the template",
    "apps.checklists.services.setup.kickoff_setup": "runs only inside poc_create, for a PoC in draft",
    "apps.evaluations.services.datasets.dataset_snapshot": "reads a dataset",
    "apps.evaluations.services.datasets.model_version_snapshot": "reads a model version",
    "apps.evaluations.services.common.upload_limit": "reads a setting",
    "apps.evaluations.services.common.too_big_message": "a message",
    "apps.evaluations.services.common.compute_safe_name": "cleans a file name",
    "apps.evaluations.services.common.calls_engine": "builds the calls of a job whose service checks the PoC",
    "apps.costs.services.model_snapshot": "reads the cost model",
    "apps.costs.services.line_snapshot": "reads a cost line",
    "apps.evaluations.services.targets.targets_snapshot": "reads the targets",
    "apps.evaluations.services.endpoints.model_endpoint_snapshot": "reads a model endpoint",
    "apps.evaluations.services.datasets.dataset_item_snapshot": "reads a dataset item",
    "apps.integrations.services.integration_snapshot": "reads an integration",
    "apps.integrations.services.concern_snapshot": "reads a production concern",
    "apps.integrations.services.concerns_setup": "runs only inside poc_create, for a PoC in draft",
    "apps.notifications.services.notify": "writes a person's notification, no PoC data",
    "apps.notifications.services.notifications_mark_read": "marks a person's notifications read, no PoC data",
    "apps.portfolio.services.summary_compute": "reads the stall risk and the criteria",
    "apps.portfolio.services.summary_refresh": "stores the portfolio's derived summary, no PoC data (a signed "
    "decision changes it too)",
    "apps.portfolio.services.summaries_refresh": "refreshes the derived summaries, no PoC data",
    "apps.portfolio.services.summary_request": "queues a refresh of the derived summary, no PoC data",
    "apps.reports.services.report_request": "records an export of the report (its own row); a decided PoC's "
    "export is its signed report",
    "apps.reports.services.report_generate": "renders an export into its own row; no PoC data",
    "apps.reports.services.signed_report_store": "the signing hook: runs inside the signing transaction, beside the "
    "signature, never after it",
    "apps.reports.services.signed_report_ensure": "stores the signed report of a decision signed before reports "
    "existed, once, as a new row; the signed rows are not written",
    "apps.reports.services.reports_cleanup": "deletes old and failed exports (their own rows, no PoC data); a "
    "decided PoC's exports are kept and the signed report is never touched",
    "apps.notifications.services.notification_mark_read": "marks one of a person's notifications read, no PoC data",
    "apps.notifications.services.mutes_set": "a person's choice of reminders, no PoC data",
    "apps.notifications.services.is_muted": "reads a person's muted kinds",
    "apps.notifications.services.render_email": "renders an email",
    "apps.accounts.services.profile_update": "a person's own time zone, no PoC data",
    "apps.reminders.services.reminders_send": "writes notifications only (through notify)",
    "apps.reminders.services.failed_jobs_send": "writes notifications only (through notify)",
    "apps.reminders.services.reminders_run": "records the day's run and writes notifications only",
    "apps.reminders.services.run_due_in_process": "records the day's run and writes notifications only",
    "apps.reminders.services.look_in_process": "starts run_due_in_process at most every ten minutes",
    "apps.evaluations.services.monitoring.check_monitorable": "the drift watch's own check (see DECIDED_GO_ONLY)",
    "apps.evaluations.services.monitoring.monitoring_snapshot": "reads the drift watch",
    "apps.evaluations.services.monitoring.default_baseline": "reads the runs",
    "apps.evaluations.services.monitoring.drift_metric": "reads a run's metrics",
}

# The one deliberate exception to the rule: the drift watch after a go is not part of the signed record, so a
# PoC decided with a go accepts its settings and re-runs, and only them. These services check
# ``check_monitorable`` (decided with outcome go) instead of ``check_open``; a no-go refuses them like any write.
# tests/evaluations/test_monitoring.py holds both: they go through on a go PoC, and every other write stays
# refused there.
DECIDED_GO_ONLY = {
    "apps.evaluations.services.monitoring.monitoring_update": "the drift watch's schedule, endpoint and baseline",
    "apps.evaluations.services.monitoring.monitoring_due": "the daily check starting the re-runs that are due",
    "apps.evaluations.services.monitoring.monitoring_run_execute": "one re-run and its comparison with the baseline",
}


def _item(poc):
    item = poc.checklist_items.order_by("pk").first()
    item.poc = poc
    return item


def _row(rows, poc):
    row = rows.order_by("pk").first()
    row.poc = poc
    return row


def _evaluation(poc, people):
    """A dataset, a model version and a run with its file, written directly (the PoC may be decided next)."""
    from django.core.files.base import ContentFile

    from apps.evaluations.models import Dataset, EvalRun, ModelVersion

    dataset = Dataset.objects.create(poc=poc, name="Sample", kind="production")
    model = ModelVersion.objects.create(poc=poc, name="Model")
    run = EvalRun(poc=poc, dataset=dataset, model_version=model, file_name="r.csv", file_size=0, file_sha256="")
    content = b"id,label,prediction\n1,a,a\n2,a,b\n"
    run.file.save("r.csv", ContentFile(content), save=False)
    run.file_size, run.file_sha256 = len(content), hashlib.sha256(content).hexdigest()
    run.save()


def _evaluation_with_results(poc, people):
    """As ``_evaluation``, the run with stored results (a validation answer is written from them)."""
    from apps.evaluations.models import EvalRun

    _evaluation(poc, people)
    interval = {"value": 0.5, "ci_low": 0.1, "ci_high": 0.9}
    EvalRun.objects.filter(poc=poc).update(kind="classification", n=2, headline=0.5, results={
        "kind": "classification", "n": 2, "resamples": 100, "seed": 0, "metrics": {"accuracy": interval},
    })


def _eval_row(model, poc):
    row = model.objects.filter(poc=poc).order_by("pk").first()
    row.poc = poc
    return row


# Services that need rows made before the PoC is decided (and before the audit trail is counted).
PREPARE: dict[str, Callable] = {
    f"apps.evaluations.services.{name}": _evaluation
    for name in ("datasets.dataset_update", "datasets.model_version_update", "runs.eval_run_create",
                 "runs.eval_run_recompute", "runs.eval_run_compute", "runs.eval_run_store")
}
PREPARE["apps.evaluations.services.targets.validation_answer_from_run"] = _evaluation_with_results
CLOSED_PORT = "127.0.0.1:9"  # a listed endpoint where nothing answers: a live run's calls fail at once


def _live(poc, people):
    """As ``_evaluation``, with items, an endpoint (no headers) and a queued live run, written directly."""
    from apps.evaluations.models import Dataset, DatasetItem, EvalRun, ModelEndpoint

    _evaluation(poc, people)
    dataset = Dataset.objects.get(poc=poc)
    DatasetItem.objects.create(dataset=dataset, item_id="1", input="x", label="a")
    Dataset.objects.filter(pk=dataset.pk).update(items_count=1)
    endpoint = ModelEndpoint.objects.create(poc=poc, model_version=dataset.runs.first().model_version, name="E",
                                            kind="openai_chat", url=f"http://{CLOSED_PORT}/v1", model="m")
    EvalRun.objects.create(poc=poc, dataset=dataset, model_version=endpoint.model_version, endpoint=endpoint,
                           source="harness", file_name="", file_size=0, file_sha256="")


PREPARE.update({
    f"apps.evaluations.services.{name}": _live
    for name in ("endpoints.model_endpoint_update", "endpoints.model_endpoint_delete", "live.harness_run_create",
                 "live.harness_run_cancel", "live.harness_run_execute", "datasets.dataset_item_create",
                 "datasets.dataset_item_update", "datasets.dataset_item_delete", "loadtests.load_test_create")
})


def _load_test(poc, people):
    """As ``_live``, with a queued load test of the endpoint, written directly."""
    from apps.evaluations.models import Dataset, LoadTest, ModelEndpoint

    _live(poc, people)
    LoadTest.objects.create(poc=poc, endpoint=ModelEndpoint.objects.get(poc=poc), dataset=Dataset.objects.get(poc=poc),
                            rates=[1], duration_s=1)


PREPARE["apps.evaluations.services.loadtests.load_test_execute"] = _load_test
PREPARE["apps.evaluations.services.loadtests.load_test_cancel"] = _load_test


def _finished_load_test(poc, people):
    """As ``_load_test``, the test done with one rate measured."""
    from apps.evaluations.models import LoadTest

    _load_test(poc, people)
    point = {"value": 20.0, "ci_low": 18.0, "ci_high": 25.0}
    LoadTest.objects.filter(poc=poc).update(status="done", results={
        "rates": [{"rate": 1, "n": 1, "answered": 1, "achieved_rate": 1, "p50": point, "p95": point, "p99": point,
                   "error_rate": 0}], "percentile": None, "max_ms": None, "notes": []})


PREPARE["apps.evaluations.services.loadtests.validation_answer_from_load_test"] = _finished_load_test
PREPARE["apps.evaluations.services.datasets.dataset_items_replace"] = _evaluation
PREPARE["apps.evaluations.services.endpoints.model_endpoint_create"] = _evaluation


def _dataset_item(poc):
    from apps.evaluations.models import DatasetItem

    item = DatasetItem.objects.select_related("dataset").get(dataset__poc=poc)
    item.dataset.poc = poc
    return item


def _listed(call):
    """``call`` with the closed loopback port allowed (endpoints are refused unless their host is listed)."""
    from django.test import override_settings

    def run(poc, people):
        with override_settings(MODEL_ENDPOINT_ALLOWED_HOSTS=[CLOSED_PORT]):
            return call(poc, people)

    return run


def _integrations(poc, people):
    """An integration and an added production concern, written directly (the PoC may be decided next)."""
    from apps.integrations.models import Integration, ProductionConcern

    Integration.objects.create(poc=poc, system="Ledger", direction="writes_to")
    ProductionConcern.objects.create(poc=poc, concern="custom", name="Data retention")


def _integration_row(model, poc, **filters):
    row = model.objects.filter(poc=poc, **filters).order_by("-pk").first()
    row.poc = poc
    return row


PREPARE.update({
    f"apps.integrations.services.{name}": _integrations
    for name in ("integration_update", "integration_delete", "concern_update", "concern_delete")
})


def _cost_line(poc, people):
    """A cost line, written directly (the PoC may be decided next)."""
    from apps.costs.models import CostLine

    CostLine.objects.create(poc=poc, name="Team", category="people", behaviour="fixed", low=1, likely=2, high=3)


def _costs():
    from apps.costs import models, services

    return models, services


PREPARE.update({f"apps.costs.services.{name}": _cost_line for name in ("cost_line_update", "cost_line_delete")})


def _cost_model(poc, people):
    """A cost model, written directly: only a PoC that has one recomputes it when its inputs change."""
    from apps.costs.models import CostModel

    CostModel.objects.create(poc=poc)


PREPARE["apps.costs.services.cost_model_inputs_changed"] = _cost_model
PREPARE["apps.decisions.services.decision_request_record"] = lambda poc, people: PoC.objects.filter(
    pk=poc.pk
).update(decision_due_date="2030-01-31")


def _decisions():
    from apps.decisions import services as decisions

    return decisions


def _awaiting(poc, people):
    """A PoC awaiting its decision (requested before it is decided, for the signing service)."""
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.EVALUATING, decision_due_date="2030-01-31")
    _decisions().decision_request(poc=PoC.objects.get(pk=poc.pk), user=people["lead"])


def _sign(poc, people):
    from django.test import RequestFactory

    from apps.decisions import selectors
    from tests.factories import PASSWORD

    digest = "0" * 64 if poc.stage == Stage.DECIDED else selectors.current_snapshot_sha256(poc)
    return _decisions().decision_sign(
        poc=poc, user=people["decision_maker"], request=RequestFactory().post("/"), password=PASSWORD,
        outcome="no_go", rationale="Not yet.", snapshot_sha256=digest,
    )


PREPARE["apps.decisions.services.decision_sign"] = _awaiting


def _evals():
    from apps.evaluations import models, services

    return models, services


def _integrations_services():
    from apps.integrations import services as integrations

    return integrations


def _integrations_models():
    from apps.integrations import models

    return models


CALLS: dict[str, Callable] = {
    "apps.costs.services.cost_model_update": lambda poc, p: _costs()[1].cost_model_update(
        poc=poc, user=p["lead"], changes={"volume_per_month": "1000", "unit_name": "claim"}
    ),
    "apps.costs.services.cost_model_recompute": lambda poc, p: _costs()[1].cost_model_recompute(
        poc=poc, user=p["lead"]
    ),
    "apps.costs.services.cost_model_inputs_changed": lambda poc, p: _costs()[1].cost_model_inputs_changed(
        poc=poc, user=p["lead"]
    ),
    "apps.costs.services.cost_model_compute": lambda poc, p: _costs()[1].cost_model_compute(
        poc_id=poc.pk, user=p["lead"]
    ),
    "apps.costs.services.cost_model_store": lambda poc, p: _costs()[1].cost_model_store(
        poc=poc, user=p["lead"], results={"results": []}, inputs_hash="x"
    ),
    "apps.costs.services.cost_line_create": lambda poc, p: _costs()[1].cost_line_create(
        poc=poc, user=p["lead"], data={"name": "GPU", "category": "gpu", "behaviour": "fixed", "low": 1,
                                       "likely": 2, "high": 3}
    ),
    "apps.costs.services.cost_line_update": lambda poc, p: _costs()[1].cost_line_update(
        line=_eval_row(_costs()[0].CostLine, poc), user=p["lead"], changes={"likely": "2.5"}, version=None
    ),
    "apps.costs.services.cost_line_delete": lambda poc, p: _costs()[1].cost_line_delete(
        line=_eval_row(_costs()[0].CostLine, poc), user=p["lead"]
    ),
    "apps.integrations.services.integration_create": lambda poc, p: _integrations_services().integration_create(
        poc=poc, user=p["lead"], data={"system": "CRM", "direction": "reads_from"}
    ),
    "apps.integrations.services.integration_update": lambda poc, p: _integrations_services().integration_update(
        integration=_integration_row(_integrations_models().Integration, poc), user=p["lead"],
        changes={"owning_team": "x"}, version=1,
    ),
    "apps.integrations.services.integration_delete": lambda poc, p: _integrations_services().integration_delete(
        integration=_integration_row(_integrations_models().Integration, poc), user=p["lead"]
    ),
    "apps.integrations.services.concern_create": lambda poc, p: _integrations_services().concern_create(
        poc=poc, user=p["lead"], data={"concern": "custom", "name": "Capacity"}
    ),
    "apps.integrations.services.concern_update": lambda poc, p: _integrations_services().concern_update(
        concern=_integration_row(_integrations_models().ProductionConcern, poc), user=p["lead"],
        changes={"owning_team": "x"}, version=1,
    ),
    "apps.integrations.services.concern_delete": lambda poc, p: _integrations_services().concern_delete(
        concern=_integration_row(_integrations_models().ProductionConcern, poc, concern="custom"), user=p["lead"]
    ),
    "apps.evaluations.services.datasets.dataset_create": lambda poc, p: _evals()[1].dataset_create(
        poc=poc, user=p["lead"], data={"name": "New", "kind": "curated"}
    ),
    "apps.evaluations.services.datasets.dataset_update": lambda poc, p: _evals()[1].dataset_update(
        dataset=_eval_row(_evals()[0].Dataset, poc), user=p["lead"], changes={"description": "x"},
        version=_eval_row(_evals()[0].Dataset, poc).version,
    ),
    "apps.evaluations.services.datasets.model_version_create": lambda poc, p: _evals()[1].model_version_create(
        poc=poc, user=p["lead"], data={"name": "New"}
    ),
    "apps.evaluations.services.datasets.model_version_update": lambda poc, p: _evals()[1].model_version_update(
        model_version=_eval_row(_evals()[0].ModelVersion, poc), user=p["lead"], changes={"notes": "x"},
        version=_eval_row(_evals()[0].ModelVersion, poc).version,
    ),
    "apps.evaluations.services.runs.eval_run_create": lambda poc, p: _evals()[1].eval_run_create(
        poc=poc, user=p["lead"], dataset=_eval_row(_evals()[0].Dataset, poc),
        model_version=_eval_row(_evals()[0].ModelVersion, poc),
        upload=SimpleUploadedFile("r.csv", b"id,label,prediction\n1,a,a\n"),
    ),
    "apps.evaluations.services.runs.eval_run_recompute": lambda poc, p: _evals()[1].eval_run_recompute(
        run=_eval_row(_evals()[0].EvalRun, poc), user=p["lead"]
    ),
    "apps.evaluations.services.runs.eval_run_compute": lambda poc, p: _evals()[1].eval_run_compute(
        run_id=_eval_row(_evals()[0].EvalRun, poc).pk, user=p["lead"], resamples=100
    ),
    "apps.evaluations.services.runs.eval_run_store": lambda poc, p: _evals()[1].eval_run_store(
        run=_eval_row(_evals()[0].EvalRun, poc), user=p["lead"],
        results={"kind": "classification", "n": 2, "resamples": 100, "seed": 0, "metrics": {}},
    ),
    "apps.evaluations.services.targets.targets_update": lambda poc, p: _evals()[1].targets_update(
        poc=poc, user=p["lead"], changes={"quality_metric": "accuracy", "quality_threshold": 0.8}, version=1
    ),
    "apps.evaluations.services.targets.validation_answer_from_run": lambda poc, p: (
        _evals()[1].validation_answer_from_run(
            run=_eval_row(_evals()[0].EvalRun, poc), user=p["lead"], kind="quality",
            evidence_url="https://portal.example.com/runs/1/",
        )
    ),
    "apps.evaluations.services.datasets.dataset_items_replace": lambda poc, p: _evals()[1].dataset_items_replace(
        dataset=_eval_row(_evals()[0].Dataset, poc), user=p["lead"],
        upload=SimpleUploadedFile("items.csv", b"id,input,label\n1,x,a\n"),
    ),
    "apps.evaluations.services.datasets.dataset_item_create": lambda poc, p: _evals()[1].dataset_item_create(
        dataset=_eval_row(_evals()[0].Dataset, poc), user=p["lead"], data={"item_id": "2", "input": "y", "label": "b"},
    ),
    "apps.evaluations.services.datasets.dataset_item_update": lambda poc, p: _evals()[1].dataset_item_update(
        item=_dataset_item(poc), user=p["lead"], changes={"label": "b"}, version=1,
    ),
    "apps.evaluations.services.datasets.dataset_item_delete": lambda poc, p: _evals()[1].dataset_item_delete(
        item=_dataset_item(poc), user=p["lead"],
    ),
    "apps.evaluations.services.loadtests.load_test_create": _listed(lambda poc, p: _evals()[1].load_test_create(
        poc=poc, user=p["lead"], endpoint=_eval_row(_evals()[0].ModelEndpoint, poc),
        dataset=_eval_row(_evals()[0].Dataset, poc), rates=[1], duration_s=1,
    )),
    "apps.evaluations.services.loadtests.load_test_execute": _listed(lambda poc, p: _evals()[1].load_test_execute(
        load_test_id=_evals()[0].LoadTest.objects.get(poc=poc).pk,
    )),
    "apps.evaluations.services.loadtests.load_test_cancel": lambda poc, p: _evals()[1].load_test_cancel(
        load_test=_eval_row(_evals()[0].LoadTest, poc), user=p["lead"],
    ),
    "apps.evaluations.services.loadtests.validation_answer_from_load_test": lambda poc, p: _evals()[
        1
    ].validation_answer_from_load_test(
        load_test=_eval_row(_evals()[0].LoadTest, poc), user=p["lead"], evidence_url="https://portal.example.com/lt/1/",
    ),
    "apps.evaluations.services.endpoints.model_endpoint_create": _listed(lambda poc, p: (
        _evals()[1].model_endpoint_create(
            poc=poc, user=p["lead"], data={"name": "E2", "model_version": _eval_row(_evals()[0].ModelVersion, poc).pk,
                                           "kind": "openai_chat", "url": f"http://{CLOSED_PORT}/v1", "model": "m"},
        )
    )),
    "apps.evaluations.services.endpoints.model_endpoint_update": _listed(lambda poc, p: (
        _evals()[1].model_endpoint_update(
            endpoint=_eval_row(_evals()[0].ModelEndpoint, poc), user=p["lead"], changes={"timeout_s": 5}, version=1,
        )
    )),
    "apps.evaluations.services.endpoints.model_endpoint_delete": lambda poc, p: _evals()[1].model_endpoint_delete(
        endpoint=_eval_row(_evals()[0].ModelEndpoint, poc), user=p["lead"],
    ),
    "apps.evaluations.services.live.harness_run_create": _listed(lambda poc, p: _evals()[1].harness_run_create(
        poc=poc, user=p["lead"], dataset=_eval_row(_evals()[0].Dataset, poc),
        endpoint=_eval_row(_evals()[0].ModelEndpoint, poc),
    )),
    "apps.evaluations.services.live.harness_run_cancel": lambda poc, p: _evals()[1].harness_run_cancel(
        run=_evals()[0].EvalRun.objects.select_related("poc").get(poc=poc, source="harness"), user=p["lead"],
    ),
    "apps.evaluations.services.live.harness_run_execute": _listed(lambda poc, p: _evals()[1].harness_run_execute(
        run_id=_evals()[0].EvalRun.objects.get(poc=poc, source="harness").pk,
    )),
    "apps.decisions.services.decision_request": lambda poc, p: _decisions().decision_request(poc=poc, user=p["lead"]),
    "apps.decisions.services.decision_request_record": lambda poc, p: _decisions().decision_request_record(
        poc=PoC.objects.get(pk=poc.pk), user=p["lead"]
    ),
    "apps.decisions.services.decision_sign": _sign,
    "apps.pocs.services.poc_update": lambda poc, p: services.poc_update(
        poc=poc, user=p["lead"], changes={"name": "Renamed"}, version=poc.version
    ),
    "apps.pocs.services.poc_transition": lambda poc, p: services.poc_transition(
        poc=poc, user=p["lead"], to=Stage.AWAITING_DECISION
    ),
    "apps.pocs.services.membership_add": lambda poc, p: services.membership_add(
        poc=poc, user=p["lead"], member=p["outsider"], role="viewer"
    ),
    "apps.pocs.services.membership_update": lambda poc, p: services.membership_update(
        membership=Membership.objects.get(poc=poc, user=p["viewer"]), user=p["lead"], role="contributor"
    ),
    "apps.pocs.services.membership_remove": lambda poc, p: services.membership_remove(
        membership=Membership.objects.get(poc=poc, user=p["viewer"]), user=p["lead"]
    ),
    "apps.checklists.services.items.checklist_item_update": lambda poc, p: kickoff.checklist_item_update(
        item=_item(poc), user=p["lead"], changes={"status": "done"}, version=_item(poc).version
    ),
    "apps.checklists.services.evidence.checklist_item_attach_evidence": lambda poc, p: (
        kickoff.checklist_item_attach_evidence(
            item=_item(poc), user=p["lead"], upload=SimpleUploadedFile("note.txt", b"evidence\n"), version=None
        )
    ),
    "apps.checklists.services.sections.validation_update": lambda poc, p: kickoff.validation_update(
        validation=_row(poc.validation_questions, poc),
        user=p["lead"],
        changes={"target": "x"},
        version=_row(poc.validation_questions, poc).version,
    ),
    "apps.checklists.services.sections.acknowledgement_update": lambda poc, p: kickoff.acknowledgement_update(
        acknowledgement=_row(poc.acknowledgements, poc),
        user=p["lead"],
        changes={"notes": "x"},
        version=_row(poc.acknowledgements, poc).version,
    ),
    "apps.checklists.services.sections.business_case_update": lambda poc, p: kickoff.business_case_update(
        business_case=_row(type(poc.business_case).objects.filter(poc=poc), poc),
        user=p["lead"],
        changes={"unit": "claim"},
        version=poc.business_case.version,
    ),
}


def _service_functions() -> set[str]:
    """Every public function defined in a ``services`` module or package of a project app."""
    found = set()
    for info in pkgutil.walk_packages(apps.__path__, "apps."):
        parts = info.name.split(".")
        if "services" not in parts[2:3] and not (len(parts) > 3 and parts[2] == "services"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == info.name:
                found.add(f"{info.name}.{name}")
    return found


def test_every_service_is_held_to_the_rule_or_says_why_not():
    functions = _service_functions()
    assert "apps.pocs.services.poc_update" in functions  # the discovery itself works
    unlisted = functions - set(CALLS) - set(NOT_POC_WRITES) - set(DECIDED_GO_ONLY)
    assert not unlisted, f"add these services to CALLS (or NOT_POC_WRITES with a reason): {sorted(unlisted)}"
    gone = (set(CALLS) | set(NOT_POC_WRITES) | set(DECIDED_GO_ONLY)) - functions
    assert not gone, f"these listed services no longer exist: {sorted(gone)}"


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_decided_poc_refuses_the_write(service, team, private_media):
    poc, people = team
    if not Membership.objects.filter(poc=poc, user=people["viewer"]).exists():
        services.membership_add(poc=poc, user=people["lead"], member=people["viewer"], role="viewer")
    if service in PREPARE:
        PREPARE[service](poc, people)
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
    poc = PoC.objects.get(pk=poc.pk)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match="decided PoC cannot be changed"):
        CALLS[service](poc, people)
    assert AuditEvent.objects.count() == events, "a refused write must leave no trace"


@pytest.mark.parametrize("service", sorted(CALLS))
def test_the_same_write_goes_through_before_the_decision(service, team, private_media):
    """The refusal above is about the decision, not a call that fails anyway."""
    poc, people = team
    if not Membership.objects.filter(poc=poc, user=people["viewer"]).exists():
        services.membership_add(poc=poc, user=people["lead"], member=people["viewer"], role="viewer")
    if service in PREPARE:
        PREPARE[service](poc, people)
    if service.endswith(("poc_transition", "decision_request")):
        # awaiting decision needs a named decision-maker (the team has one) and a due date
        PoC.objects.filter(pk=poc.pk).update(stage=Stage.EVALUATING, decision_due_date="2030-01-31")
    poc = PoC.objects.get(pk=poc.pk)
    events = AuditEvent.objects.count()
    CALLS[service](poc, people)
    assert AuditEvent.objects.count() > events
