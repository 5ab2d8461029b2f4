"""Each stall signal raises its reason's level, and fixing it clears it again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.checklists import selectors, services
from apps.checklists.models import BusinessCase, Reason, ValidationQuestion
from apps.checklists.risk import SIGNALS, Finding, register_signal
from apps.pocs import services as poc_services
from apps.pocs.models import PoC
from tests.checklists.conftest import items_of, resolve_all, set_item
from tests.integrations.helpers import scope_integration


@pytest.fixture(autouse=True)
def _kickoff_signals_only(monkeypatch):
    """These tests hold the kickoff's own rules: its planned production-sample signal, not the measured
    one the evaluations app registers over it under the same name (held in tests/evaluations)."""
    from apps.checklists.risk import production_sample_planned

    monkeypatch.setitem(SIGNALS[Reason.DATA], "production_sample", production_sample_planned)


def levels(poc):
    poc.refresh_from_db()
    return {r.reason: r.level for r in selectors.stall_risk(poc)}


def risk(poc, reason):
    poc.refresh_from_db()
    return next(r for r in selectors.stall_risk(poc) if r.reason == reason)


@pytest.fixture
def calm_poc(poc, people):
    """A PoC with every fix done and no live signal: all five reasons low."""
    lead = people["lead"]
    resolve_all(poc, lead)
    case = BusinessCase.objects.get(poc=poc)
    services.business_case_update(
        business_case=case, user=lead, changes={"max_cost_per_unit": "0.10", "value_per_unit": "1.00"},
        version=case.version,
    )
    quality = ValidationQuestion.objects.get(poc=poc, kind="quality")
    services.validation_update(
        validation=quality, user=lead, changes={"target": "macro-F1 ≥ 0.85 on the production sample"},
        version=quality.version,
    )
    poc = poc_services.poc_update(
        poc=poc, user=lead, changes={"decision_due_date": timezone.localdate() + timedelta(weeks=6)},
        version=poc.version,
    )
    scope_integration(poc, lead)  # reason 3 reads the integrations app
    assert levels(poc) == {1: "low", 2: "low", 3: "low", 4: "low", 5: "low"}
    return poc


def update_poc(poc, user, **changes):
    poc.refresh_from_db()
    return poc_services.poc_update(poc=poc, user=user, changes=changes, version=poc.version)


def test_a_fresh_poc_shows_its_risks(poc):
    result = levels(poc)
    assert result[1] == "high"  # no economics threshold
    assert result[2] == "high"  # no production sample planned
    assert result[3] == "high"  # no integration sketched (the integrations app's signal), and open items
    assert result[4] == "medium"  # owner named, not yet involved
    assert len(selectors.stall_risk(poc)) == 5


def test_every_reason_has_one_line_why_and_fix(poc):
    for row in selectors.stall_risk(poc):
        assert row.why and row.fix and "\n" not in row.why
        assert row.level in ("low", "medium", "high")


def test_no_economics_threshold_raises_r1_and_setting_one_clears_it(calm_poc, people):
    case = BusinessCase.objects.get(poc=calm_poc)
    case = services.business_case_update(
        business_case=case, user=people["lead"], changes={"max_cost_per_unit": None}, version=case.version
    )
    r1 = risk(calm_poc, Reason.BUSINESS_CASE)
    assert r1.level == "high" and "cost" in r1.fix
    services.business_case_update(
        business_case=case, user=people["lead"], changes={"max_monthly_cost": "5000"}, version=case.version
    )
    assert risk(calm_poc, Reason.BUSINESS_CASE).level == "low"


def test_a_threshold_without_a_value_is_medium(calm_poc, people):
    case = BusinessCase.objects.get(poc=calm_poc)
    services.business_case_update(
        business_case=case, user=people["lead"], changes={"value_per_unit": None}, version=case.version
    )
    assert risk(calm_poc, Reason.BUSINESS_CASE).level == "medium"


def test_no_production_sample_planned_raises_r2_and_planning_one_clears_it(calm_poc, people):
    sample = items_of(calm_poc, key="production-sample")[0]
    set_item(sample, people["lead"], status="in_progress")
    r2 = risk(calm_poc, Reason.DATA)
    assert r2.level == "high" and "production" in r2.why
    set_item(sample, people["lead"], status="done")
    assert risk(calm_poc, Reason.DATA).level == "low"


def test_no_quality_target_raises_r2_to_medium(calm_poc, people):
    quality = ValidationQuestion.objects.get(poc=calm_poc, kind="quality")
    quality = services.validation_update(
        validation=quality, user=people["lead"], changes={"target": ""}, version=quality.version
    )
    assert risk(calm_poc, Reason.DATA).level == "medium"
    services.validation_update(validation=quality, user=people["lead"], changes={"target": "F1 ≥ 0.8"},
                               version=quality.version)
    assert risk(calm_poc, Reason.DATA).level == "low"


def test_open_items_raise_their_reason_and_overdue_ones_make_it_high(calm_poc, people):
    item = items_of(calm_poc, reason=Reason.INTEGRATION)[0]
    set_item(item, people["lead"], status="open")
    assert risk(calm_poc, Reason.INTEGRATION).level == "medium"
    set_item(item, people["lead"], due_date=timezone.localdate() - timedelta(days=1))
    r3 = risk(calm_poc, Reason.INTEGRATION)
    assert r3.level == "high" and "due" in r3.why
    set_item(item, people["lead"], status="done")
    assert risk(calm_poc, Reason.INTEGRATION).level == "low"


def test_an_accepted_risk_keeps_its_reason_at_medium_and_is_listed(calm_poc, people):
    item = items_of(calm_poc, reason=Reason.INTEGRATION)[1]
    set_item(item, people["lead"], status="accepted_risk", justification="The owning team is already committed")
    r3 = risk(calm_poc, Reason.INTEGRATION)
    assert r3.level == "medium"
    assert [(a.item_id, a.justification) for a in r3.accepted_risks] == [
        (item.pk, "The owning team is already committed")
    ]


def test_no_production_owner_raises_r4_to_high_and_naming_one_clears_it(calm_poc, people):
    lead = people["lead"]
    update_poc(calm_poc, lead, production_owner=None)
    assert risk(calm_poc, Reason.OPS_HANDOVER).level == "high"
    update_poc(calm_poc, lead, production_owner=people["production_owner"])
    assert risk(calm_poc, Reason.OPS_HANDOVER).level == "low"


def test_an_owner_not_yet_involved_is_medium(calm_poc, people):
    item = items_of(calm_poc, reason=Reason.OPS_HANDOVER)[1]
    set_item(item, people["production_owner"], status="in_progress")
    r4 = risk(calm_poc, Reason.OPS_HANDOVER)
    assert r4.level == "medium" and "not yet involved" in r4.why
    set_item(item, people["production_owner"], status="done")
    assert risk(calm_poc, Reason.OPS_HANDOVER).level == "low"


def test_a_long_timebox_without_a_reason_raises_r5_and_a_shorter_one_clears_it(calm_poc, people):
    lead = people["lead"]
    update_poc(calm_poc, lead, timebox_weeks=12)
    assert risk(calm_poc, Reason.DIRECTION).level == "high"
    update_poc(calm_poc, lead, timebox_justification="Two release cycles of the upstream system")
    assert risk(calm_poc, Reason.DIRECTION).level == "medium"
    update_poc(calm_poc, lead, timebox_weeks=6)
    assert risk(calm_poc, Reason.DIRECTION).level == "low"


def test_running_past_the_timebox_raises_r5_and_extending_it_clears_it(calm_poc, people):
    lead = people["lead"]
    update_poc(calm_poc, lead, kickoff_date=timezone.localdate() - timedelta(weeks=7), timebox_weeks=6)
    r5 = risk(calm_poc, Reason.DIRECTION)
    assert r5.level == "high" and "past the end" in r5.why
    update_poc(calm_poc, lead, timebox_weeks=8)
    assert risk(calm_poc, Reason.DIRECTION).level == "low"


def test_a_passed_decision_date_raises_r5_and_a_new_date_clears_it(calm_poc, people):
    lead = people["lead"]
    # A date can pass but not be set in the past (pocs.services refuses that): the fixture writes it directly.
    PoC.objects.filter(pk=calm_poc.pk).update(decision_due_date=timezone.localdate() - timedelta(days=1))
    assert risk(calm_poc, Reason.DIRECTION).level == "high"
    update_poc(calm_poc, lead, decision_due_date=timezone.localdate() + timedelta(days=10))
    assert risk(calm_poc, Reason.DIRECTION).level == "low"


def test_a_later_app_can_plug_in_a_signal(calm_poc):
    def unowned_feeds(inputs):
        return [Finding("high", "2 data feeds have no owner.", "Name an owner for each.", "feeds")]

    register_signal(Reason.INTEGRATION, "test-feeds", unowned_feeds)
    try:
        r3 = risk(calm_poc, Reason.INTEGRATION)
        assert (r3.level, r3.why) == ("high", "2 data feeds have no owner.")
    finally:
        SIGNALS[Reason.INTEGRATION].pop("test-feeds")
    assert risk(calm_poc, Reason.INTEGRATION).level == "low"


def test_the_selector_reuses_rows_the_caller_loaded(poc, django_assert_num_queries):
    items = selectors.checklist_items(poc)
    case = selectors.business_case(poc)
    validations = selectors.validations(poc)
    # Only the live signals other apps register read their own rows (one query each).
    others = sum(1 for by_name in SIGNALS.values() for fn in by_name.values()
                 if fn.__module__ != "apps.checklists.risk")
    with django_assert_num_queries(others):
        selectors.stall_risk(poc, items=items, business_case=case, validations=validations)
