"""The stored summary follows every write that changes the stall risk or the criteria.

Before each kind of write the stored summary is spoiled; after the write (through the services, as
the pages and the API make it) it must equal what the stall risk and the criteria compute at that
moment, so each write path is shown to refresh it, whether or not its values moved.
"""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from apps.checklists import services as kickoff
from apps.checklists.models import BusinessCase, ChecklistItem, Reason, ValidationQuestion
from apps.core.models import Job
from apps.costs import services as costs
from apps.decisions import selectors as decisions
from apps.evaluations import services as evaluations
from apps.integrations import services as integrations
from apps.integrations.models import ProductionConcern
from apps.pocs import services as pocs
from apps.pocs.models import PoC, Stage
from apps.pocs.signals import inputs_changed, poc_inputs_changed
from apps.portfolio.models import PoCSummary
from apps.portfolio.services import SUMMARY_FIELDS, summaries_refresh, summary_compute, summary_request
from tests.decisions.helpers import awaiting, sign, standard_run
from tests.factories import make_team

pytestmark = pytest.mark.django_db

COMPARED = [f for f in SUMMARY_FIELDS if f not in ("refreshed_at", "computed_on")]


@pytest.fixture(autouse=True)
def _media(private_media):
    return private_media


def stored(poc) -> dict:
    row = PoCSummary.objects.get(poc_id=poc.pk)
    return {f: getattr(row, f) for f in COMPARED}


def spoil(poc) -> None:
    PoCSummary.objects.filter(poc_id=poc.pk).update(
        risk_why="stale", criteria_met=99, reason_1=9, drift=True, drift_metric="stale", drift_value=-1.0
    )


def computed(poc) -> dict:
    row = summary_compute(PoC.objects.get(pk=poc.pk))
    return {f: getattr(row, f) for f in COMPARED}


@pytest.fixture
def fresh_team(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        poc, people = make_team()
    return PoC.objects.get(pk=poc.pk), people


def _business_case(poc, lead):
    case = BusinessCase.objects.get(poc=poc)
    kickoff.business_case_update(
        business_case=case,
        user=lead,
        version=case.version,
        changes={"value_per_unit": "2.00", "max_cost_per_unit": "0.50"},
    )


def _item(poc, lead):
    """The last open ops handover fix done: reason 4 drops to low."""
    *others, last = ChecklistItem.objects.filter(poc=poc, reason=Reason.OPS_HANDOVER).order_by("pk")
    ChecklistItem.objects.filter(pk__in=[i.pk for i in others]).update(status="done")
    kickoff.checklist_item_update(
        item=last, user=lead, version=last.version, changes={"status": "done", "evidence_note": "Runbook agreed"}
    )


def _validation(poc, lead):
    question = ValidationQuestion.objects.filter(poc=poc, kind="quality").first()
    kickoff.validation_update(
        validation=question,
        user=lead,
        version=question.version,
        changes={"target": "accuracy ≥ 0.8 on the production sample"},
    )


def _poc_field(poc, lead):
    poc = PoC.objects.get(pk=poc.pk)
    pocs.poc_update(poc=poc, user=lead, version=poc.version, changes={"production_owner": None})


def _timebox(poc, lead):
    poc = PoC.objects.get(pk=poc.pk)
    pocs.poc_update(poc=poc, user=lead, version=poc.version, changes={"timebox_weeks": 12, "timebox_justification": ""})


def _transition(poc, lead):
    pocs.poc_transition(poc=PoC.objects.get(pk=poc.pk), user=lead, to=Stage.KICKOFF)


def _integration_create(poc, lead):
    integrations.integration_create(poc=poc, user=lead, data={"system": "Ledger", "direction": "reads_from"})


def _concern_update(poc, lead):
    concern = ProductionConcern.objects.filter(poc=poc).order_by("pk").first()
    integrations.concern_update(
        concern=concern,
        user=lead,
        version=concern.version,
        changes={"not_applicable": True, "reason": "The platform handles it"},
    )


def _dataset_create(poc, lead):
    evaluations.dataset_create(
        poc=poc, user=lead, data={"name": "Production sample", "kind": "production", "is_standard": True}
    )


def _targets(poc, lead):
    evaluations.targets_update(
        poc=poc, user=lead, version=1, changes={"quality_metric": "accuracy", "quality_threshold": 0.8}
    )


def _run_store(poc, lead):
    run = standard_run(poc, accuracy_low=0.9)
    interval = {"value": 0.95, "ci_low": 0.9, "ci_high": 1.0}
    evaluations.eval_run_store(
        run=run,
        user=lead,
        results={
            "kind": "classification",
            "n": 3,
            "resamples": 100,
            "seed": 0,
            "metrics": {"accuracy": interval},
        },
    )


def _cost_store(poc, lead):
    rows = [
        {
            "scale": s,
            "monthly_cost": "10.00",
            "cost_per_unit": "0.10",
            "tornado": [],
            "threshold_met": False,
            "p_net_positive": 0.2,
            "dominant_category": "people",
        }
        for s in (1, 5, 20)
    ]
    costs.cost_model_store(poc=poc, user=lead, results={"results": rows, "scenarios": {}}, inputs_hash="x")


WRITES = {
    "business case": _business_case,
    "checklist item": _item,
    "validation question": _validation,
    "PoC field (a person)": _poc_field,
    "PoC field (the timebox)": _timebox,
    "stage move": _transition,
    "integration": _integration_create,
    "production concern": _concern_update,
    "dataset": _dataset_create,
    "targets": _targets,
    "evaluation results": _run_store,
    "cost results": _cost_store,
}


def test_a_new_poc_has_its_summary_from_the_start(fresh_team):
    poc, _ = fresh_team
    assert stored(poc) == computed(poc)
    assert PoCSummary.objects.get(poc=poc).risk_level == "high"


def test_the_comparison_covers_each_reasons_level():
    """My PoCs draws its risk strip from the five stored levels: each is compared, not only the worst."""
    assert {f"reason_{r}" for r in Reason.values} <= set(COMPARED)


def test_the_comparison_covers_the_drift_the_header_shows():
    """The header's "Drift detected" reads these; a drift re-run refreshing them is in
    tests/evaluations/test_drift_badge.py (it needs a go and a model endpoint)."""
    assert {"drift", "drift_metric", "drift_value"} <= set(COMPARED)


@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
def test_every_kind_of_write_leaves_the_stored_summary_equal_to_the_computed_one(
    write, fresh_team, django_capture_on_commit_callbacks
):
    poc, people = fresh_team
    spoil(poc)
    with django_capture_on_commit_callbacks(execute=True):
        WRITES[write](poc, people["lead"])
    assert stored(poc) == computed(poc)


def test_every_path_was_checked_without_the_refresh_too(fresh_team, django_capture_on_commit_callbacks):
    """Without the signal's receiver the summaries go stale: the comparison above can fail."""
    poc, people = fresh_team
    spoil(poc)
    poc_inputs_changed.disconnect(dispatch_uid="portfolio.refresh_summary")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            _poc_field(poc, people["lead"])
    finally:
        from apps.portfolio.receivers import refresh_summary

        poc_inputs_changed.connect(refresh_summary, dispatch_uid="portfolio.refresh_summary")
    assert stored(poc) != computed(poc)


def test_signing_the_decision_refreshes_the_outcome(fresh_team, django_capture_on_commit_callbacks):
    poc, people = fresh_team
    with django_capture_on_commit_callbacks(execute=True):
        poc = awaiting(poc, people, all_met=False)
    spoil(poc)
    with django_capture_on_commit_callbacks(execute=True):
        sign(poc, people["decision_maker"], outcome="no_go")
    summary = PoCSummary.objects.get(poc=poc)
    assert summary.decision_outcome == "no_go"
    assert stored(poc) == computed(poc)
    assert summary.criteria_met == decisions.met_count(decisions.criteria(PoC.objects.get(pk=poc.pk)))


def test_many_writes_in_one_transaction_send_one_signal(fresh_team, django_capture_on_commit_callbacks):
    poc, people = fresh_team
    sent = []

    def count(sender, poc_id, **kwargs):
        sent.append(poc_id)

    poc_inputs_changed.connect(count, dispatch_uid="test.count")
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            _business_case(poc, people["lead"])
            _item(poc, people["lead"])
            _validation(poc, people["lead"])
    finally:
        poc_inputs_changed.disconnect(dispatch_uid="test.count")
    assert sent == [poc.pk]


def test_a_rolled_back_write_sends_nothing(fresh_team, django_capture_on_commit_callbacks):
    poc, _ = fresh_team
    sent = []

    def count(sender, poc_id, **kwargs):
        sent.append(poc_id)

    poc_inputs_changed.connect(count, dispatch_uid="test.count")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            try:
                with transaction.atomic():
                    inputs_changed(poc.pk)
                    raise RuntimeError("rolled back")
            except RuntimeError:
                pass
            with transaction.atomic():
                inputs_changed(poc.pk)  # a later transaction is not mistaken for the rolled-back one
    finally:
        poc_inputs_changed.disconnect(dispatch_uid="test.count")
    assert sent == [poc.pk]


def test_the_daily_refresh_rejudges_what_the_calendar_changed(fresh_team, django_capture_on_commit_callbacks):
    """An item falling due changes the risk with no write: the daily task re-judges yesterday's summaries."""
    poc, people = fresh_team
    ChecklistItem.objects.filter(poc=poc).update(status="done")
    with django_capture_on_commit_callbacks(execute=True):
        _transition(poc, people["lead"])  # a refresh with the items done
    item = ChecklistItem.objects.filter(poc=poc, reason=Reason.OPS_HANDOVER).first()
    ChecklistItem.objects.filter(pk=item.pk).update(
        status="open", due_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    PoCSummary.objects.filter(poc=poc).update(computed_on=timezone.localdate() - datetime.timedelta(days=1))
    assert stored(poc) != computed(poc)
    assert summaries_refresh(stale_only=True) == 1
    assert stored(poc) == computed(poc)
    assert summaries_refresh(stale_only=True) == 0  # today's are left alone


def test_the_command_fills_missing_summaries(fresh_team, capsys):
    poc, _ = fresh_team
    PoCSummary.objects.all().delete()
    call_command("portfolio_refresh")
    assert "Refreshed 1 PoC summary." in capsys.readouterr().out
    assert stored(poc) == computed(poc)


@pytest.fixture
def with_a_worker():
    """Jobs sent to a worker (the tests run them in-process otherwise)."""
    from apps.portfolio.tasks import refresh_summary

    conf = refresh_summary.app.conf
    previous, conf.task_always_eager = conf.task_always_eager, False
    yield
    conf.task_always_eager = previous


def test_a_burst_of_writes_queues_one_refresh(fresh_team, django_capture_on_commit_callbacks, with_a_worker):
    """While a refresh waits in the queue, later writes join it (it will read their data too)."""
    poc, _ = fresh_team
    with django_capture_on_commit_callbacks(execute=False):  # the job is never sent: it stays queued
        first = summary_request(poc_id=poc.pk)
        second = summary_request(poc_id=poc.pk)
    assert first.pk == second.pk and first.status == "queued"
    Job.objects.filter(pk=first.pk).update(status="running")
    with django_capture_on_commit_callbacks(execute=False):
        third = summary_request(poc_id=poc.pk)
    assert third.pk != first.pk  # a running refresh may have read the data before this write


def test_without_a_worker_the_refresh_job_runs_as_soon_as_it_is_queued(fresh_team, django_capture_on_commit_callbacks):
    poc, _ = fresh_team
    PoCSummary.objects.filter(poc=poc).delete()
    with django_capture_on_commit_callbacks(execute=True):
        job = summary_request(poc_id=poc.pk)
    job.refresh_from_db()
    assert (job.kind, job.status, job.attempts) == ("portfolio.summary", Job.Status.SUCCEEDED, 1)
    assert job.result == {"risk_level": stored(poc)["risk_level"], "criteria_met": stored(poc)["criteria_met"]}
    assert stored(poc) == computed(poc)


def test_a_refresh_whose_process_ended_before_sending_it_does_not_hold_up_the_next(
        fresh_team, django_capture_on_commit_callbacks, with_a_worker, settings):
    """A queued refresh never sent (its process ended between the commit and the send) is not waited for."""
    poc, _ = fresh_team
    settings.JOB_HEARTBEAT_TIMEOUT = 60
    with django_capture_on_commit_callbacks(execute=False):  # written, never sent
        orphan = summary_request(poc_id=poc.pk)
    with django_capture_on_commit_callbacks(execute=False):
        assert summary_request(poc_id=poc.pk).pk == orphan.pk  # just written: its send is on its way
    Job.objects.filter(pk=orphan.pk).update(created_at=timezone.now() - datetime.timedelta(seconds=61))
    with django_capture_on_commit_callbacks(execute=False):
        assert summary_request(poc_id=poc.pk).pk != orphan.pk
