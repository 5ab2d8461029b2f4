"""Validations, acknowledgements, business case and stall risk through the API."""

import pytest

from apps.checklists.models import Acknowledgement, ValidationQuestion


def base(poc):
    return f"/api/v1/pocs/{poc.pk}"


def test_the_four_validation_questions_are_listed_in_order(poc, people, api_for):
    body = api_for(people["viewer"]).get(f"{base(poc)}/validations/").json()
    assert [(v["number"], v["kind"]) for v in body] == [
        (1, "feasibility"), (2, "quality"), (3, "latency"), (4, "integration")
    ]
    assert all(v["question"] for v in body)


def test_a_validation_takes_a_hypothesis_and_target_then_an_answer(poc, people, api_for):
    row = ValidationQuestion.objects.get(poc=poc, kind="latency")
    api = api_for(people["contributor"])
    first = api.patch(f"{base(poc)}/validations/{row.pk}/",
                      {"version": 1, "hypothesis": "Fast enough inline", "target": "p95 ≤ 800 ms; 20 req/s"},
                      format="json")
    assert first.status_code == 200 and first.json()["target"] == "p95 ≤ 800 ms; 20 req/s"
    second = api.patch(f"{base(poc)}/validations/{row.pk}/",
                       {"version": 2, "answer": "p95 640 ms at 25 req/s", "evidence_url": "https://ci.test/run/9"},
                       format="json")
    assert second.status_code == 200 and second.json()["version"] == 3
    stale = api.patch(f"{base(poc)}/validations/{row.pk}/", {"version": 2, "answer": "x"}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["answer"] == "p95 640 ms at 25 req/s"


def test_the_five_limits_are_listed_and_acknowledged_with_where_they_are_answered(poc, people, api_for):
    api = api_for(people["lead"])
    body = api.get(f"{base(poc)}/acknowledgements/").json()
    assert [a["kind"] for a in body] == [
        "business_case", "production_cost", "adoption", "behaviour_over_time", "ops_burden"
    ]
    row = Acknowledgement.objects.get(poc=poc, kind="production_cost")
    refused = api.patch(f"{base(poc)}/acknowledgements/{row.pk}/", {"version": 1, "acknowledged": True},
                        format="json")
    assert refused.status_code == 400 and "answered_where" in refused.json()
    done = api.patch(f"{base(poc)}/acknowledgements/{row.pk}/",
                     {"version": 1, "acknowledged": True, "answered_where": "Cost model"}, format="json")
    assert done.status_code == 200 and done.json()["acknowledged"] is True


def test_the_business_case_is_one_object_with_a_version(poc, people, api_for):
    api = api_for(people["lead"])
    body = api.get(f"{base(poc)}/business-case/").json()
    assert body["has_threshold"] is False and body["version"] == 1
    response = api.patch(
        f"{base(poc)}/business-case/",
        {"version": 1, "value_hypothesis": "Faster routing", "value_per_unit": "1.20", "max_cost_per_unit": "0.15"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json()["has_threshold"] is True
    negative = api.patch(f"{base(poc)}/business-case/", {"version": 2, "max_monthly_cost": "-1"}, format="json")
    assert negative.status_code == 400 and "max_monthly_cost" in negative.json()
    assert api.patch(f"{base(poc)}/business-case/", {"value_hypothesis": "x"}, format="json").status_code == 400


def test_stall_risk_answers_five_rows(poc, people, api_for):
    body = api_for(people["viewer"]).get(f"{base(poc)}/stall-risk/").json()
    assert [r["reason"] for r in body] == [1, 2, 3, 4, 5]
    for row in body:
        assert row["level"] in ("low", "medium", "high")
        assert row["why"] and row["fix"]


SECTION_READS = ["validations/", "acknowledgements/", "business-case/", "stall-risk/"]


@pytest.mark.parametrize("path", SECTION_READS)
def test_outsiders_get_404_on_every_section(poc, people, api_for, path):
    assert api_for(people["outsider"]).get(f"{base(poc)}/{path}").status_code == 404


def _writes(poc):
    validation = ValidationQuestion.objects.get(poc=poc, kind="quality")
    ack = Acknowledgement.objects.get(poc=poc, kind="adoption")
    return [
        (f"{base(poc)}/validations/{validation.pk}/", {"version": 1, "target": "F1 ≥ 0.9"}),
        (f"{base(poc)}/acknowledgements/{ack.pk}/", {"version": 1, "notes": "n"}),
        (f"{base(poc)}/business-case/", {"version": 1, "unit": "invoice"}),
    ]


@pytest.mark.parametrize("role,expected", [
    ("outsider", 404), ("viewer", 403), ("production_owner", 403), ("decision_maker", 403), ("contributor", 200),
])
def test_section_writes_follow_the_pocs_edit_right(poc, people, api_for, role, expected):
    api = api_for(people[role])
    for path, body in _writes(poc):
        assert api.patch(path, body, format="json").status_code == expected, path
