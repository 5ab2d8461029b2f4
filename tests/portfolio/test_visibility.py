"""Each person sees exactly the PoCs they may, on the page, in the API and in the CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.pocs.models import PoC
from apps.pocs.services import membership_add
from tests.factories import UserFactory, make_poc
from tests.portfolio.conftest import summary_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(team):
    """The team's PoC, a PoC someone else leads, and one where the team's viewer is a member too."""
    poc, people = team
    stranger = UserFactory(full_name="Stranger Lead")
    elsewhere = make_poc(lead=stranger, name="Elsewhere PoC")
    shared = make_poc(lead=stranger, name="Shared PoC")
    membership_add(poc=shared, user=stranger, member=people["viewer"], role="viewer")
    for row in (poc, elsewhere, shared):
        summary_for(row).save()
    return {"team": poc, "elsewhere": elsewhere, "shared": shared}, people


EXPECTED = {
    "lead": {"team"},
    "contributor": {"team"},
    "viewer": {"team", "shared"},
    "production_owner": {"team"},
    "decision_maker": {"team"},
    "portfolio": {"team", "elsewhere", "shared"},
    "admin": {"team", "elsewhere", "shared"},
    "outsider": set(),
}


def _names(world_pocs, keys):
    return {world_pocs[key].name for key in keys}


@pytest.mark.parametrize("role", EXPECTED)
def test_the_api_lists_exactly_the_visible_pocs(world, api_for, role):
    pocs, people = world
    body = api_for(people[role]).get("/api/v1/portfolio/", {"page_size": 100}).json()
    assert {row["name"] for row in body["results"]} == _names(pocs, EXPECTED[role])
    assert body["count"] == len(EXPECTED[role])
    assert sum(body["aggregates"]["funnel"].values()) == len(EXPECTED[role])
    # The one access scope agrees.
    assert {p.name for p in PoC.objects.visible_to(people[role])} == _names(pocs, EXPECTED[role])


@pytest.mark.parametrize("role", EXPECTED)
def test_the_page_and_the_csv_show_exactly_the_visible_pocs(world, client_for, role):
    pocs, people = world
    client = client_for(people[role])
    page = client.get(reverse("portfolio:index")).content.decode()
    for key, poc in pocs.items():
        assert (f">{poc.name}<" in page) == (key in EXPECTED[role]), (role, key)
    answer = client.get(reverse("portfolio:csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert {row["name"] for row in rows} == _names(pocs, EXPECTED[role])


def test_signed_out_callers_get_nothing(world, client, api_for):
    assert api_for(None).get("/api/v1/portfolio/").status_code in (401, 403)
    answer = client.get(reverse("portfolio:index"))
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    answer = client.get(reverse("portfolio:csv"))
    assert answer.status_code == 302
