"""Who sees and who may change a PoC: outsiders 404, read-only people 403."""

import pytest
from django.urls import reverse

from apps.pocs.models import PoC
from tests.factories import UserFactory, make_poc

pytestmark = pytest.mark.django_db

READERS = ["lead", "contributor", "viewer", "production_owner", "decision_maker", "portfolio", "admin"]


@pytest.mark.parametrize("role", READERS)
def test_everyone_with_a_role_sees_the_poc(role, poc, people):
    assert PoC.objects.visible_to(people[role]).filter(pk=poc.pk).exists()


def test_outsider_does_not_see_the_poc(poc, people):
    assert not PoC.objects.visible_to(people["outsider"]).filter(pk=poc.pk).exists()


@pytest.mark.parametrize(
    "role,editable",
    [
        ("lead", True),
        ("contributor", True),
        ("admin", True),
        ("viewer", False),
        ("production_owner", False),
        ("decision_maker", False),
        ("portfolio", False),
        ("outsider", False),
    ],
)
def test_only_lead_contributors_and_admins_may_edit(role, editable, poc, people):
    assert PoC.objects.editable_by(people[role]).filter(pk=poc.pk).exists() is editable


def test_my_pocs_lists_only_visible_pocs(client_for, poc, people):
    other = make_poc(lead=UserFactory(), name="Someone else's PoC")
    page = client_for(people["viewer"]).get(reverse("pocs:list"))
    assert page.status_code == 200
    assert poc.name in page.content.decode()
    assert other.name not in page.content.decode()


@pytest.mark.parametrize("role", READERS)
def test_members_can_open_every_poc_page(role, client_for, poc, people):
    client = client_for(people[role])
    for name in ("pocs:detail", "pocs:people", "pocs:activity"):
        assert client.get(reverse(name, args=[poc.pk])).status_code == 200, name


def test_outsider_gets_404_on_poc_pages(client_for, poc, people):
    client = client_for(people["outsider"])
    for name in ("pocs:detail", "pocs:people", "pocs:activity"):
        assert client.get(reverse(name, args=[poc.pk])).status_code == 404, name
    assert client.get(reverse("pocs:field", args=[poc.pk, "name"])).status_code == 404


def test_signed_out_visitor_is_sent_to_login(client, poc):
    response = client.get(reverse("pocs:detail", args=[poc.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_viewer_gets_403_when_editing_a_field(client_for, poc, people):
    client = client_for(people["viewer"])
    response = client.post(reverse("pocs:field", args=[poc.pk, "name"]), {"name": "Hijack", "version": poc.version})
    assert response.status_code == 403
    poc.refresh_from_db()
    assert poc.name != "Hijack"


def test_contributor_cannot_rename_the_people(client_for, poc, people):
    client = client_for(people["contributor"])
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "lead"]), {"lead": people["contributor"].pk, "version": poc.version}
    )
    assert response.status_code == 403
    poc.refresh_from_db()
    assert poc.lead == people["lead"]


def test_viewer_does_not_see_edit_links(client_for, poc, people):
    page = client_for(people["viewer"]).get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert "Edit name" not in page
    page = client_for(people["lead"]).get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert "Edit name" in page
