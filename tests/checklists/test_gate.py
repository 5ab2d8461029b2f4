"""Kickoff → running is refused until every item is done or accepted as a risk."""

import pytest
from django.urls import reverse

from apps.checklists.models import Status
from apps.core.errors import TransitionRefused
from apps.pocs import services as poc_services
from apps.pocs.models import Stage
from tests.checklists.conftest import items_of, resolve_all, set_item


@pytest.fixture
def kickoff_poc(poc, people):
    poc = poc_services.poc_transition(poc=poc, user=people["lead"], to=Stage.KICKOFF)
    return poc_services.poc_update(
        poc=poc, user=people["lead"], changes={"decision_due_date": "2099-01-01"}, version=poc.version
    )


def test_the_gate_refuses_with_a_link_to_each_unfinished_item(kickoff_poc, people):
    items = items_of(kickoff_poc)
    resolve_all(kickoff_poc, people["lead"])
    set_item(items[0], people["lead"], status="in_progress")
    set_item(items[4], people["lead"], status="open")
    with pytest.raises(TransitionRefused) as refused:
        poc_services.poc_transition(poc=kickoff_poc, user=people["lead"], to=Stage.RUNNING)
    page = reverse("checklists:kickoff", args=[kickoff_poc.pk])
    assert [m["url"] for m in refused.value.missing] == [f"{page}#item-{items[0].pk}", f"{page}#item-{items[4].pk}"]
    assert "in progress" in refused.value.missing[0]["message"]


def test_the_gate_allows_the_move_when_everything_is_done_or_accepted(kickoff_poc, people):
    resolve_all(kickoff_poc, people["lead"])
    set_item(items_of(kickoff_poc)[2], people["lead"], status=Status.ACCEPTED_RISK,
             justification="Business case owned by finance, due next quarter")
    poc = poc_services.poc_transition(poc=kickoff_poc, user=people["lead"], to=Stage.RUNNING)
    assert poc.stage == Stage.RUNNING


def test_the_api_transition_lists_what_is_missing(kickoff_poc, people, api_for):
    response = api_for(people["lead"]).post(
        f"/api/v1/pocs/{kickoff_poc.pk}/transition/", {"to": "running"}, format="json"
    )
    assert response.status_code == 400
    missing = response.json()["missing"]
    assert len(missing) == len(items_of(kickoff_poc))
    assert all("/kickoff/#item-" in m["url"] for m in missing)


def test_the_overview_stage_panel_links_to_the_missing_items(kickoff_poc, people, client_for):
    item = items_of(kickoff_poc)[0]
    response = client_for(people["lead"]).get(reverse("pocs:detail", args=[kickoff_poc.pk]))
    assert f'/kickoff/#item-{item.pk}"' in response.content.decode()
