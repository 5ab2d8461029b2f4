"""Stage moves: one table, guards that name what is missing."""

import datetime

import pytest
from django.urls import reverse

from apps.core.errors import TransitionRefused, ValidationFailed
from apps.pocs import services, stages
from apps.pocs.models import Stage
from tests.factories import make_poc

pytestmark = pytest.mark.django_db


def ready_for_running(poc, user):
    return services.poc_update(
        poc=poc,
        user=user,
        version=poc.version,
        changes={"timebox_weeks": 6, "decision_due_date": datetime.date(2027, 3, 1)},
    )


def test_a_new_poc_starts_in_draft_led_by_its_creator(people):
    poc = make_poc(lead=people["lead"])
    assert poc.stage == Stage.DRAFT
    assert poc.lead == people["lead"]


def test_moving_to_kickoff_sets_the_kickoff_date(poc, people):
    poc = services.poc_transition(poc=poc, user=people["lead"], to="kickoff")
    assert poc.stage == Stage.KICKOFF
    assert poc.kickoff_date is not None


def test_kickoff_to_running_names_every_missing_condition(people):
    poc = make_poc(lead=people["lead"], timebox_weeks=None)
    poc = services.poc_transition(poc=poc, user=people["lead"], to="kickoff")
    with pytest.raises(TransitionRefused) as refused:
        services.poc_transition(poc=poc, user=people["lead"], to="running")
    codes = {m["code"] for m in refused.value.missing}
    assert {
        "production_owner_missing",
        "decision_maker_missing",
        "timebox_missing",
        "decision_due_date_missing",
    } <= codes
    assert all(m["url"].startswith(f"/pocs/{poc.pk}/") for m in refused.value.missing)
    poc.refresh_from_db()
    assert poc.stage == Stage.KICKOFF


def test_a_timebox_over_eight_weeks_needs_a_justification(poc, people):
    poc = services.poc_transition(poc=poc, user=people["lead"], to="kickoff")
    poc = services.poc_update(
        poc=poc,
        user=people["lead"],
        version=poc.version,
        changes={"timebox_weeks": 12, "decision_due_date": datetime.date(2027, 3, 1)},
    )
    with pytest.raises(TransitionRefused) as refused:
        services.poc_transition(poc=poc, user=people["lead"], to="running")
    assert [m["code"] for m in refused.value.missing if m["code"].startswith("timebox")] == [
        "timebox_justification_missing"
    ]
    poc = services.poc_update(
        poc=poc,
        user=people["lead"],
        version=poc.version,
        changes={"timebox_justification": "Two quarterly data drops fall inside the PoC."},
    )
    # The PoC's own conditions are met now; what still blocks the move is the kickoff checklist
    # (a condition the checklists app adds), not the timebox.
    assert stages.kickoff_people_and_dates(poc) == []
    with pytest.raises(TransitionRefused) as refused:
        services.poc_transition(poc=poc, user=people["lead"], to="running")
    assert {m["code"] for m in refused.value.missing} == {"checklist_item_unresolved"}


def test_unknown_or_skipping_moves_are_refused(poc, people):
    with pytest.raises(ValidationFailed, match="cannot move from Draft to Evaluating"):
        services.poc_transition(poc=poc, user=people["lead"], to="evaluating")
    with pytest.raises(ValidationFailed, match="not a stage"):
        services.poc_transition(poc=poc, user=people["lead"], to="launched")


def test_contributor_cannot_move_the_stage(poc, people):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.poc_transition(poc=poc, user=people["contributor"], to="kickoff")


def test_refused_move_in_the_page_lists_the_missing_conditions(client_for, people):
    poc = make_poc(lead=people["lead"], timebox_weeks=None)
    poc = services.poc_transition(poc=poc, user=people["lead"], to="kickoff")
    client = client_for(people["lead"])
    response = client.post(reverse("pocs:transition", args=[poc.pk]), {"to": "running"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Name the production owner: the person, not a team" in body
    assert f'href="/pocs/{poc.pk}/#field-decision_due_date"' in body


def test_stage_move_is_recorded_with_the_actor(poc, people):
    from apps.audit.models import AuditEvent

    services.poc_transition(poc=poc, user=people["lead"], to="kickoff")
    event = AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk), op="UPDATE").last()
    assert "stage" in event.changed_fields
    assert event.old_data["stage"] == "draft" and event.new_data["stage"] == "kickoff"
    assert event.actor_id == people["lead"].pk
