"""The sponsor as a person: a user on the PoC with a viewer's access, the text kept for the others."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.urls import reverse

from apps.pocs import access, services
from apps.pocs.models import PoC
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
BASE = "/api/v1"


def test_the_sponsor_sees_the_poc_as_a_viewer_and_no_more(poc, people, client_for):
    sponsor = UserFactory(full_name="Sam Sponsor")
    assert not PoC.objects.visible_to(sponsor).filter(pk=poc.pk).exists()
    poc = services.poc_update(poc=poc, user=people["lead"], changes={"sponsor": sponsor}, version=poc.version)
    assert PoC.objects.visible_to(sponsor).filter(pk=poc.pk).exists()
    assert access.poc_roles(PoC.objects.get(pk=poc.pk), sponsor) == {"sponsor"}
    client = client_for(sponsor)
    page = client.get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert "Sam Sponsor" in page and "Edit name" not in page
    assert (
        client.post(reverse("pocs:field", args=[poc.pk, "name"]), {"name": "x", "version": poc.version}).status_code
        == 403
    )


def test_the_api_shows_the_sponsor_and_the_name_and_sets_either(poc, people, api_for):
    sponsor = UserFactory()
    api = api_for(people["lead"])
    body = api.get(f"{BASE}/pocs/{poc.pk}/").json()
    assert (body["sponsor"], body["sponsor_name"]) == (None, "")
    response = api.patch(
        f"{BASE}/pocs/{poc.pk}/", {"sponsor": sponsor.pk, "sponsor_name": "", "version": body["version"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["sponsor"] == sponsor.pk
    response = api.patch(
        f"{BASE}/pocs/{poc.pk}/",
        {"sponsor": None, "sponsor_name": "The Board", "version": body["version"] + 1},
        format="json",
    )
    assert (response.json()["sponsor"], response.json()["sponsor_name"]) == (None, "The Board")


def test_an_unknown_sponsor_is_refused_naming_the_field(poc, people, api_for):
    response = api_for(people["lead"]).patch(
        f"{BASE}/pocs/{poc.pk}/", {"sponsor": 999999, "version": poc.version}, format="json"
    )
    assert response.status_code == 400 and "sponsor" in response.json()


def test_the_people_list_names_the_sponsor(poc, people, api_for):
    sponsor = UserFactory()
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor": sponsor}, version=poc.version)
    members = api_for(people["lead"]).get(f"{BASE}/pocs/{poc.pk}/members/").json()
    assert {"user": sponsor.pk, "roles": ["sponsor"]}.items() <= next(
        m for m in members if m["user"] == sponsor.pk
    ).items()


def test_the_data_migration_links_names_that_match_one_user(people):
    migration = importlib.import_module("apps.pocs.migrations.0007_sponsor_user")
    erin = UserFactory(full_name="Erin Executive", email="erin@example.test")
    UserFactory(full_name="Pat Twin")
    UserFactory(full_name="Pat Twin")
    lead = people["lead"]
    by_name = PoC.objects.create(name="By name", sponsor_name="  erin executive ", lead=lead)
    by_email = PoC.objects.create(name="By email", sponsor_name="ERIN@example.test", lead=lead)
    shared = PoC.objects.create(name="Two people share it", sponsor_name="Pat Twin", lead=lead)
    nobody = PoC.objects.create(name="Outside the portal", sponsor_name="The Board", lead=lead)
    migration.link_sponsors(django_apps, None)
    linked = dict(
        PoC.objects.filter(pk__in=[by_name.pk, by_email.pk, shared.pk, nobody.pk]).values_list("name", "sponsor")
    )
    assert linked == {"By name": erin.pk, "By email": erin.pk, "Two people share it": None, "Outside the portal": None}
    assert PoC.objects.get(pk=by_name.pk).sponsor_name == "  erin executive "  # the text is kept
