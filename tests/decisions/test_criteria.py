"""The six criteria: each flips from not met to met with its data, from one selector, over the API too."""

import pytest

from apps.decisions import selectors
from apps.evaluations.models import Targets
from apps.pocs.models import PoC
from tests.decisions.helpers import MEET, meet_all, standard_run

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _media(private_media):
    return private_media


def _criterion(poc, number):
    poc = PoC.objects.get(pk=poc.pk)
    return next(c for c in selectors.criteria(poc) if c.number == number)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_each_criterion_flips_from_not_met_to_met_with_its_data(team, number):
    poc, people = team
    before = _criterion(poc, number)
    assert before.met is False
    assert before.missing  # a line saying what is missing
    MEET[number](poc, people)
    after = _criterion(poc, number)
    assert after.met is True, after.missing
    assert after.missing == ""


def test_the_decision_maker_criterion_needs_a_named_person(team):
    poc, people = team
    assert _criterion(poc, 6).met is True
    PoC.objects.filter(pk=poc.pk).update(decision_maker=None)
    assert _criterion(poc, 6).met is False
    assert "decision-maker" in _criterion(poc, 6).missing


def test_a_curated_standard_dataset_is_a_harness_but_not_production_quality(team):
    poc, people = team
    Targets.objects.create(poc=poc, quality_metric="accuracy", quality_threshold=0.8)
    standard_run(poc, kind="curated")
    assert _criterion(poc, 5).met is True
    quality = _criterion(poc, 1)
    assert quality.met is False
    assert "production sample" in quality.missing


def test_quality_below_the_target_is_not_met(team):
    poc, people = team
    Targets.objects.create(poc=poc, quality_metric="accuracy", quality_threshold=0.95)
    standard_run(poc, accuracy_low=0.7)
    assert "below the target" in _criterion(poc, 1).missing


def test_a_missing_results_file_means_no_harness(team):
    poc, people = team
    run = standard_run(poc)
    run.file.delete(save=False)
    assert "cannot be recomputed" in _criterion(poc, 5).missing


def test_the_api_lists_the_six_with_evidence_links(team, api_for):
    poc, people = team
    body = api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/criteria/").json()
    assert [c["number"] for c in body] == [1, 2, 3, 4, 5, 6]
    assert set(body[0]) == {"number", "name", "met", "missing", "evidence_url"}
    assert sum(c["met"] for c in body) == 1  # only the decision-maker is named
    meet_all(poc, people)
    body = api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/criteria/").json()
    assert all(c["met"] for c in body)
    assert body[1]["evidence_url"] == f"/pocs/{poc.pk}/costs/"
    assert api_for(people["outsider"]).get(f"{BASE}/pocs/{poc.pk}/criteria/").status_code == 404


def test_the_graduation_page_and_the_header_badge(team, client_for):
    poc, people = team
    client = client_for(people["viewer"])
    page = client.get(f"/pocs/{poc.pk}/graduation/").content.decode()
    assert "1 of 6 met" in page
    assert "1/6 criteria" in page  # the header badge, from the criteria the page computed
    overview = client.get(f"/pocs/{poc.pk}/").content.decode()
    assert f'hx-get="/pocs/{poc.pk}/graduation/badge/"' in overview  # loaded after the page
    assert "1/6 criteria" in client.get(f"/pocs/{poc.pk}/graduation/badge/").content.decode()
    assert client_for(people["outsider"]).get(f"/pocs/{poc.pk}/graduation/badge/").status_code == 404
