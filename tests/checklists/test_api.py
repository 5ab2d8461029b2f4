"""The checklist API: fields, versioned PATCH, accepted risks, and who may change what."""

import pytest

from apps.checklists.models import ChecklistItem, Reason
from tests.checklists.conftest import items_of

ITEM_KEYS = {"id", "reason", "text", "status", "owner", "due_date", "evidence", "notes", "justification", "version"}


def url(poc, item=None):
    base = f"/api/v1/pocs/{poc.pk}/checklist/"
    return f"{base}{item.pk}/" if item else base


def test_the_checklist_lists_every_item_with_its_fields(poc, people, api_for):
    response = api_for(people["viewer"]).get(url(poc))
    assert response.status_code == 200
    body = response.json()
    assert isinstance(body, list) and len(body) == ChecklistItem.objects.filter(poc=poc).count()
    assert set(body[0]) >= ITEM_KEYS
    assert {row["reason"] for row in body} == {1, 2, 3, 4, 5}
    assert body[0]["evidence"] == {"url": "", "note": "", "file": None, "file_name": ""}


def test_a_contributor_updates_an_item_with_its_version(poc, people, api_for):
    item = items_of(poc)[0]
    response = api_for(people["contributor"]).patch(
        url(poc, item),
        {"version": item.version, "status": "in_progress", "owner": people["contributor"].pk,
         "due_date": "2030-05-01", "evidence_url": "https://wiki.example.test/case", "notes": "Draft shared"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["status"], body["owner"], body["due_date"], body["version"]) == (
        "in_progress", people["contributor"].pk, "2030-05-01", item.version + 1
    )
    assert body["evidence"]["url"] == "https://wiki.example.test/case"


def test_a_stale_version_answers_409_with_the_current_values(poc, people, api_for):
    item = items_of(poc)[0]
    first = api_for(people["lead"]).patch(url(poc, item), {"version": 1, "notes": "Lead's note"}, format="json")
    assert first.status_code == 200
    second = api_for(people["contributor"]).patch(url(poc, item), {"version": 1, "notes": "Mine"}, format="json")
    assert second.status_code == 409
    body = second.json()
    assert body["current"]["notes"] == "Lead's note"
    assert body["current_version"] == 2
    assert "detail" in body
    item.refresh_from_db()
    assert item.notes == "Lead's note"


def test_a_patch_without_a_version_is_refused(poc, people, api_for):
    item = items_of(poc)[0]
    response = api_for(people["lead"]).patch(url(poc, item), {"status": "done"}, format="json")
    assert response.status_code == 400
    assert "version" in response.json()


def test_accepting_a_risk_needs_a_justification(poc, people, api_for):
    item = items_of(poc)[0]
    api = api_for(people["lead"])
    refused = api.patch(url(poc, item), {"version": 1, "status": "accepted_risk", "justification": "  "},
                        format="json")
    assert refused.status_code == 400
    assert "justification" in refused.json()
    accepted = api.patch(
        url(poc, item), {"version": 1, "status": "accepted_risk", "justification": "Finance owns this; due in Q3"},
        format="json",
    )
    assert accepted.status_code == 200
    assert accepted.json()["justification"] == "Finance owns this; due in Q3"


def test_an_owner_must_be_on_the_poc(poc, people, api_for):
    item = items_of(poc)[0]
    response = api_for(people["lead"]).patch(url(poc, item), {"version": 1, "owner": people["outsider"].pk},
                                             format="json")
    assert response.status_code == 400
    assert "owner" in response.json()


def test_a_bad_status_or_link_is_refused_by_field(poc, people, api_for):
    item = items_of(poc)[0]
    api = api_for(people["lead"])
    assert "status" in api.patch(url(poc, item), {"version": 1, "status": "finished"}, format="json").json()
    response = api.patch(url(poc, item), {"version": 1, "evidence_url": "javascript:alert(1)"}, format="json")
    assert response.status_code == 400 and "evidence_url" in response.json()


def test_outsiders_get_404_on_the_checklist_and_its_items(poc, people, api_for):
    item = items_of(poc)[0]
    api = api_for(people["outsider"])
    assert api.get(url(poc)).status_code == 404
    assert api.get(url(poc, item)).status_code == 404
    assert api.patch(url(poc, item), {"version": 1, "status": "done"}, format="json").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "decision_maker", "portfolio"])
def test_read_only_people_read_but_get_403_on_writes(poc, people, api_for, role):
    item = items_of(poc, reason=Reason.BUSINESS_CASE)[0]
    api = api_for(people[role])
    assert api.get(url(poc, item)).status_code == 200
    assert api.patch(url(poc, item), {"version": 1, "status": "done"}, format="json").status_code == 403
    assert api.patch(url(poc, item), {}, format="json").status_code == 403


def test_the_production_owner_may_change_ops_handover_items_only(poc, people, api_for):
    api = api_for(people["production_owner"])
    ops = items_of(poc, reason=Reason.OPS_HANDOVER)[0]
    other = items_of(poc, reason=Reason.DATA)[0]
    assert api.patch(url(poc, ops), {"version": 1, "status": "done"}, format="json").status_code == 200
    refused = api.patch(url(poc, other), {"version": 1, "status": "done"}, format="json")
    assert refused.status_code == 403
    assert "ops handover" in refused.json()["detail"]


def test_an_item_of_another_poc_is_not_found(poc, people, api_for):
    from tests.factories import make_poc

    other = make_poc(lead=people["lead"], name="Other PoC")
    foreign = items_of(other)[0]
    response = api_for(people["lead"]).get(f"/api/v1/pocs/{poc.pk}/checklist/{foreign.pk}/")
    assert response.status_code == 404


def test_a_decided_poc_is_read_only_on_the_kickoff(poc, people, api_for, client_for):
    from apps.audit.context import audited
    from apps.pocs.models import PoC

    with audited(people["admin"]):
        PoC.objects.filter(pk=poc.pk).update(stage="decided")
    item = items_of(poc)[0]
    response = api_for(people["lead"]).patch(url(poc, item), {"version": 1, "status": "done"}, format="json")
    assert response.status_code == 400 and "decided" in response.json()["detail"]
    assert api_for(people["viewer"]).patch(url(poc, item), {"version": 1}, format="json").status_code == 403
    html = client_for(people["lead"]).get(f"/pocs/{poc.pk}/kickoff/").content.decode()
    assert 'class="item-form"' not in html
