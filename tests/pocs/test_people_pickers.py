"""People pickers: find active people as you type, resolve typed text without JavaScript, confirm removals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.pocs.models import Membership
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def search(client, poc, text, purpose="member"):
    return client.get(reverse("pocs:people-search", args=[poc.pk]), {"for": purpose, "q": text})


def test_search_finds_active_people_by_name_or_email(client_for, poc, people):
    UserFactory(full_name="Ada Lovelace", email="ada@analytical.test")
    UserFactory(full_name="Ada Gone", email="gone@analytical.test", is_active=False)
    client = client_for(people["lead"])
    by_name = search(client, poc, "lovel").content.decode()
    assert "Ada Lovelace" in by_name and "ada@analytical.test" in by_name
    by_email = search(client, poc, "ANALYTICAL").content.decode()
    assert "Ada Lovelace" in by_email
    assert "Ada Gone" not in by_email  # inactive accounts are never listed


def test_htmx_sends_the_text_under_the_inputs_own_name(client_for, poc, people):
    UserFactory(full_name="Grace Hopper", email="grace@navy.test")
    client = client_for(people["lead"])
    url = reverse("pocs:people-search", args=[poc.pk])
    assert "Grace Hopper" in client.get(url, {"for": "decision_maker", "decision_maker": "grace"}).content.decode()
    assert "Grace Hopper" in client.get(url, {"for": "member", "email": "hopper"}).content.decode()


def test_search_is_capped_and_needs_two_letters(client_for, poc, people):
    for n in range(15):
        UserFactory(full_name=f"Sam Many {n:02d}", email=f"sam{n}@many.test")
    client = client_for(people["lead"])
    body = search(client, poc, "many").content.decode()
    assert body.count("data-pick=") == 10
    assert "More people match" in body
    assert "data-pick=" not in search(client, poc, "m").content.decode()


@pytest.mark.parametrize("who,status", [("outsider", 404), ("viewer", 403), ("contributor", 403)])
def test_only_those_who_manage_the_poc_may_search(client_for, poc, people, who, status):
    assert search(client_for(people[who]), poc, "team").status_code == status


def test_admin_may_search_and_strangers_must_sign_in(client, client_for, poc, people):
    assert search(client, poc, "team").status_code == 302  # to the sign-in page
    assert search(client_for(people["admin"]), poc, "lead").status_code == 200


def test_the_edit_form_no_longer_lists_the_directory(client_for, poc, people):
    for n in range(5):
        UserFactory(full_name=f"Bystander {n}", email=f"by{n}@else.test")
    body = client_for(people["lead"]).get(reverse("pocs:field", args=[poc.pk, "decision_maker"])).content.decode()
    assert "Bystander" not in body
    assert "Decision Maker &lt;decision_maker@team.test&gt;" in body  # the current person, as text
    assert "<select" not in body


def test_picking_sends_the_id(client_for, poc, people):
    grace = UserFactory(full_name="Grace Hopper", email="grace@navy.test")
    client = client_for(people["lead"])
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "sponsor"]),
        {"sponsor": "Grace Hopper <grace@navy.test>", "sponsor_id": str(grace.pk), "version": poc.version},
    )
    assert response.status_code == 302
    poc.refresh_from_db()
    assert poc.sponsor == grace


def test_without_javascript_the_typed_text_is_resolved(client_for, poc, people):
    grace = UserFactory(full_name="Grace Hopper", email="grace@navy.test")
    client = client_for(people["lead"])
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "sponsor"]), {"sponsor": "hopper", "version": poc.version}
    )
    assert response.status_code == 302
    poc.refresh_from_db()
    assert poc.sponsor == grace


def test_typed_text_that_names_nobody_or_several_is_refused_with_a_reason(client_for, poc, people):
    UserFactory(full_name="Alex One", email="alex1@x.test")
    UserFactory(full_name="Alex Two", email="alex2@x.test")
    client = client_for(people["lead"])
    url = reverse("pocs:field", args=[poc.pk, "sponsor"])
    several = client.post(url, {"sponsor": "alex", "version": poc.version})
    assert several.status_code in (400, 422)
    assert "2 people match “alex”. Type their full email address." in several.content.decode()
    nobody = client.post(url, {"sponsor": "zzz-nobody", "version": poc.version})
    assert "No active person matches “zzz-nobody”" in nobody.content.decode()
    poc.refresh_from_db()
    assert poc.sponsor is None


def test_an_inactive_persons_id_is_not_accepted(client_for, poc, people):
    gone = UserFactory(full_name="Gone Person", email="gone@x.test", is_active=False)
    client = client_for(people["lead"])
    client.post(
        reverse("pocs:field", args=[poc.pk, "sponsor"]),
        {"sponsor": "Gone Person <gone@x.test>", "sponsor_id": str(gone.pk), "version": poc.version},
    )
    poc.refresh_from_db()
    assert poc.sponsor is None


def test_emptying_the_picker_names_nobody(client_for, poc, people):
    client = client_for(people["lead"])
    client.post(
        reverse("pocs:field", args=[poc.pk, "production_owner"]),
        {"production_owner": "", "production_owner_id": "", "version": poc.version},
    )
    poc.refresh_from_db()
    assert poc.production_owner is None


def test_add_member_by_name(client_for, poc, people):
    grace = UserFactory(full_name="Grace Hopper", email="grace@navy.test")
    response = client_for(people["lead"]).post(
        reverse("pocs:people", args=[poc.pk]), {"email": "Grace Hop", "role": "viewer"}
    )
    assert response.status_code == 302
    assert poc.memberships.get(user=grace).role == "viewer"


def test_remove_asks_first(client_for, poc, people):
    membership = Membership.objects.get(poc=poc, user=people["viewer"])
    client = client_for(people["lead"])
    url = reverse("pocs:member-change", args=[poc.pk, membership.pk])
    asked = client.post(url, {"action": "remove"})
    assert asked.status_code == 200
    body = asked.content.decode()
    assert "Remove Viewer from this PoC?" in body and 'name="confirm" value="yes"' in body
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(url, {"action": "remove", "confirm": "yes"})
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_a_checklist_items_owner_is_chosen_among_the_people_on_the_poc(client_for, poc, people):
    from apps.checklists.models import ChecklistItem
    from tests.checklists.test_pages import form_data, item_url

    UserFactory(full_name="Bystander Person", email="bystander@else.test")
    item = ChecklistItem.objects.filter(poc=poc).first()
    client = client_for(people["lead"])
    form = client.get(item_url(poc, item), HTTP_HX_REQUEST="true").content.decode()
    assert "Contributor" in form and "Viewer" in form
    assert "Bystander Person" not in form and "Outsider" not in form
    client.post(item_url(poc, item), form_data(item, owner=people["outsider"].pk), HTTP_HX_REQUEST="true")
    item.refresh_from_db()
    assert item.owner_id is None


def test_an_account_id_sent_as_the_value_still_works(client_for, poc, people):
    client = client_for(people["lead"])
    client.post(
        reverse("pocs:field", args=[poc.pk, "sponsor"]), {"sponsor": str(people["viewer"].pk), "version": poc.version}
    )
    poc.refresh_from_db()
    assert poc.sponsor == people["viewer"]
