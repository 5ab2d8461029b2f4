"""A new attempt after a decision: a new PoC in draft linked to the decided one, which stays as signed."""

import pytest

from apps.decisions import selectors
from apps.decisions.models import Signature
from apps.pocs.models import PoC, Stage
from tests.decisions.helpers import awaiting, sign

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _media(private_media):
    return private_media


@pytest.fixture
def decided(team):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    sign(poc, people["decision_maker"])
    return PoC.objects.get(pk=poc.pk), people


def test_the_lead_starts_a_new_attempt_linked_to_the_decided_poc(decided, api_for):
    poc, people = decided
    signed = Signature.objects.get()
    digest_before = selectors.current_snapshot_sha256(poc)
    answer = api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/new-attempt/", {"name": "Claims triage, v2"},
                                          format="json")
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["name"] == "Claims triage, v2"
    assert body["stage"] == "draft"
    assert body["previous_attempt"] == poc.pk
    assert body["lead"] == people["lead"].pk
    assert body["decision_maker"] == poc.decision_maker_id == people["decision_maker"].pk
    new = PoC.objects.get(pk=body["id"])
    assert new.checklist_items.exists(), "the new attempt starts with its own kickoff checklist"
    # The decided PoC is untouched: same version, stage, signature and snapshot.
    after = PoC.objects.get(pk=poc.pk)
    assert (after.stage, after.version) == (Stage.DECIDED, poc.version)
    assert Signature.objects.get() == signed and selectors.current_snapshot_sha256(after) == digest_before
    # Both read as linked through the API.
    assert api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/").json()["previous_attempt"] is None


def test_the_default_name_says_it_is_a_new_attempt(decided, api_for):
    poc, people = decided
    body = api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/new-attempt/", {}, format="json").json()
    assert body["name"] == f"{poc.name} (new attempt)"


def test_an_open_poc_cannot_be_tried_again(team, api_for):
    poc, people = team
    answer = api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/new-attempt/", {}, format="json")
    assert answer.status_code == 400
    assert "Only a decided PoC can be tried again" in str(answer.json())
    assert PoC.objects.count() == 1


def test_only_who_manages_the_poc_may_start_one(decided, api_for):
    poc, people = decided
    assert api_for(people["contributor"]).post(f"{BASE}/pocs/{poc.pk}/new-attempt/", {}).status_code == 403
    assert api_for(people["outsider"]).post(f"{BASE}/pocs/{poc.pk}/new-attempt/", {}).status_code == 404
    assert PoC.objects.count() == 1


def test_the_overview_links_both_ways(decided, client_for):
    poc, people = decided
    lead = client_for(people["lead"])
    page = lead.get(f"/pocs/{poc.pk}/").content.decode()
    assert "Start a new attempt" in page
    answer = lead.post(f"/pocs/{poc.pk}/new-attempt/", {"name": "Second try"})
    new = PoC.objects.get(previous_attempt=poc)
    assert answer.status_code == 302 and answer["Location"] == new.get_absolute_url()
    new_page = lead.get(new.get_absolute_url()).content.decode()
    assert "tries again after" in new_page and f'href="{poc.get_absolute_url()}"' in new_page
    old_page = lead.get(f"/pocs/{poc.pk}/").content.decode()
    assert "Tried again as" in old_page and "Second try" in old_page
    # A viewer of the decided PoC who is not on the new one sees neither its name nor the button;
    # an admin (who sees every PoC) sees the link.
    viewer_page = client_for(people["viewer"]).get(f"/pocs/{poc.pk}/").content.decode()
    assert "Second try" not in viewer_page and "Start a new attempt" not in viewer_page
    assert "Second try" in client_for(people["admin"]).get(f"/pocs/{poc.pk}/").content.decode()
