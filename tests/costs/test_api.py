"""The cost-model API: the contract's fields, the value side written to the business case, bad input
refused on its field with nothing saved, the recompute job and stale results, the quality link."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from apps.audit.models import AuditEvent
from apps.checklists.models import BusinessCase
from apps.checklists.services import business_case_update
from apps.costs.models import CostLine, CostModel

pytestmark = pytest.mark.django_db

ROW_FIELDS = {"scale", "monthly_cost", "cost_per_unit", "by_category", "dominant_category", "value", "net_value",
              "roi", "threshold_met", "p10", "p50", "p90", "p_net_positive"}


def jobs_run():
    """Run the jobs queued on commit (the test's transaction never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def url(poc, tail=""):
    return f"/api/v1/pocs/{poc.pk}/cost-model/{tail}"


def patch(api, poc, body):
    with jobs_run():
        return api.patch(url(poc), body, format="json")


def patched(api, poc, body) -> dict:
    """PATCH, run the recompute job it queued, and read the cost model back."""
    assert patch(api, poc, body).status_code == 200
    return api.get(url(poc)).json()


def add_line(api, poc, **body):
    with jobs_run():
        return api.post(url(poc, "lines/"), body, format="json")


PEOPLE = {"name": "Support team", "category": "people", "behaviour": "fixed", "low": "1000", "likely": "1200",
          "high": "1500"}
INFERENCE = {"name": "LLM calls", "category": "inference", "behaviour": "per_unit", "low": "0.01", "likely": "0.015",
             "high": "0.02", "units_per_request": "2"}


@pytest.fixture
def model(poc, people, api_for):
    api = api_for(people["lead"])
    response = patch(api, poc, {"volume_per_month": "10000", "users": 40, "unit_name": "claim triaged",
                                "value_per_unit": "2.00", "currency": "GBP", "quality": "0.9",
                                "max_cost_per_unit": "0.10"})
    assert response.status_code == 200, response.content
    assert add_line(api, poc, **PEOPLE).status_code == 201
    assert add_line(api, poc, **INFERENCE).status_code == 201
    return api


def test_the_contract_the_likely_case_and_the_value_side_in_the_business_case(poc, model):
    body = model.get(url(poc)).json()
    assert body["unit_name"] == "claim triaged" and body["currency"] == "GBP"
    assert (body["volume_per_month"], body["users"], body["scales"]) == ("10000.00", 40, [1, 5, 20])
    assert body["quality"] == "0.9000" and body["quality_source"] == {"kind": "assumed"}
    assert body["stale"] is False and body["computed_at"]
    assert [r["scale"] for r in body["results"]] == [1, 5, 20]
    assert set(body["results"][0]) >= ROW_FIELDS
    one, five = body["results"][0], body["results"][1]
    # 1,200 + 0.015 × 2 × 10,000 = 1,500; value 2 × 10,000 × 0.9 = 18,000
    assert (one["monthly_cost"], one["value"], one["net_value"], one["roi"]) == (
        "1500.00", "18000.00", "16500.00", "11.0000")
    assert one["by_category"] == {"inference": "300.00", "people": "1200.00"}
    assert (one["dominant_category"], one["threshold_met"]) == ("people", False)
    assert (five["monthly_cost"], five["threshold_met"]) == ("2700.00", True)
    assert one["p_net_positive"] == "1.0000" and one["p10"] and one["p90"]
    assert body["scenarios"]["hosted"] == body["results"]
    assert body["break_even_volume"] == "677.97" and body["crossover_volume"] is None
    case = BusinessCase.objects.get(poc=poc)  # one source of truth: written there, not copied
    assert (case.unit, case.value_per_unit, case.currency) == ("claim triaged", 2, "GBP")
    assert not hasattr(CostModel, "value_per_unit")


def test_lines_list_read_patch_and_delete(poc, model):
    lines = model.get(url(poc, "lines/")).json()
    assert [(row["name"], row["scenario"], row["likely"]) for row in lines] == [
        ("Support team", "hosted", "1200.000000"), ("LLM calls", "hosted", "0.015000")]
    line_id = lines[0]["id"]
    assert model.get(url(poc, f"lines/{line_id}/")).json()["behaviour"] == "fixed"
    with jobs_run():
        changed = model.patch(url(poc, f"lines/{line_id}/"), {"likely": "1300"}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    assert model.get(url(poc)).json()["results"][0]["monthly_cost"] == "1600.00"
    stale = model.patch(url(poc, f"lines/{line_id}/"), {"likely": "1400", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["likely"] == "1300.000000"
    with jobs_run():
        assert model.delete(url(poc, f"lines/{line_id}/")).status_code == 204
    assert model.get(url(poc)).json()["results"][0]["monthly_cost"] == "300.00"


@pytest.mark.parametrize(
    "body,field",
    [
        ({**PEOPLE, "low": "-1"}, "low"),
        ({**PEOPLE, "low": "1300"}, "low"),  # low > likely
        ({**PEOPLE, "high": "1100"}, "high"),  # high < likely
        ({**PEOPLE, "likely": "2000000000000", "high": "3000000000000"}, "likely"),  # over 1e12
        ({**PEOPLE, "behaviour": "stepped", "capacity_per_node": "0"}, "capacity_per_node"),
        ({**PEOPLE, "behaviour": "stepped"}, "capacity_per_node"),
        ({**PEOPLE, "behaviour": "one_off", "amortisation_months": 0}, "amortisation_months"),
        ({**PEOPLE, "behaviour": "one_off"}, "amortisation_months"),
        ({**INFERENCE, "units_per_request": "0"}, "units_per_request"),
        ({**PEOPLE, "category": "snacks"}, "category"),
        ({**PEOPLE, "scenario": "cloud"}, "scenario"),
    ],
)
def test_a_bad_line_is_refused_on_its_field_and_nothing_is_saved(poc, people, api_for, body, field):
    api = api_for(people["contributor"])
    events = AuditEvent.objects.count()
    response = add_line(api, poc, **body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not CostLine.objects.filter(poc=poc).exists()
    assert AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    "body,field",
    [
        ({"volume_per_month": "0"}, "volume_per_month"),
        ({"volume_per_month": "-5"}, "volume_per_month"),
        ({"volume_per_month": "2000000000000"}, "volume_per_month"),
        ({"scales": [1, 0, 20]}, "scales"),
        ({"scales": "many"}, "scales"),
        ({"quality": "1.5"}, "quality"),
        ({"value_per_unit": "-1"}, "value_per_unit"),
        ({"currency": "euro"}, "currency"),
        ({"volume_per_month": "500", "currency": "euro"}, "currency"),  # half good: nothing saved either
        ({"draws": 5}, "draws"),
    ],
)
def test_a_bad_cost_model_change_is_refused_on_its_field_and_nothing_is_saved(poc, people, api_for, body, field):
    api = api_for(people["lead"])
    events = AuditEvent.objects.count()
    response = patch(api, poc, body)
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert AuditEvent.objects.count() == events
    assert not CostModel.objects.filter(poc=poc, volume_per_month__isnull=False).exists()
    assert BusinessCase.objects.get(poc=poc).currency == "EUR"


def test_no_version_needed_last_write_wins_and_each_change_is_audited(poc, model):
    before = AuditEvent.objects.filter(table_name="costs_costmodel").count()
    assert patch(model, poc, {"volume_per_month": "20000"}).status_code == 200
    assert patch(model, poc, {"volume_per_month": "30000"}).status_code == 200
    assert model.get(url(poc)).json()["volume_per_month"] == "30000.00"
    assert AuditEvent.objects.filter(table_name="costs_costmodel").count() > before
    assert model.get(url(poc)).json()["results"][0]["value"] == "54000.00"  # 2 × 30,000 × 0.9


def test_a_business_case_edit_on_the_kickoff_page_recomputes_the_results(poc, people, model):
    case = BusinessCase.objects.get(poc=poc)
    case.poc = poc
    with TestCase.captureOnCommitCallbacks(execute=False) as queued:
        business_case_update(business_case=case, user=people["lead"], changes={"value_per_unit": "3"},
                             version=case.version)  # on the kickoff page, not through the cost model
    body = model.get(url(poc)).json()
    # Until the queued recompute has run, the results say they are out of date and what they came from.
    assert body["stale"] is True and body["results"][0]["value"] == "18000.00"
    assert body["computed_from"]["value_per_unit"] == "2.0000"
    from apps.core.models import Job

    assert Job.objects.get(pk=CostModel.objects.get(poc=poc).job_id).status == Job.Status.QUEUED
    for callback in queued:
        callback()
    fresh = model.get(url(poc)).json()
    assert fresh["stale"] is False and fresh["results"][0]["value"] == "27000.00"  # 3 × 10,000 × 0.9


def test_a_business_case_edit_queues_one_recompute_however_many_changes_wait(poc, people, model):
    from apps.core.models import Job

    before = Job.objects.filter(kind="costs.recompute").count()
    with TestCase.captureOnCommitCallbacks(execute=False):
        for value in ("3", "4"):
            case = BusinessCase.objects.get(poc=poc)
            case.poc = poc
            business_case_update(business_case=case, user=people["lead"], changes={"value_per_unit": value},
                                 version=case.version)
    assert Job.objects.filter(kind="costs.recompute").count() == before + 1


def test_a_poc_without_a_cost_model_gets_none_from_a_business_case_edit(team):
    poc, people = team
    case = BusinessCase.objects.get(poc=poc)
    case.poc = poc
    business_case_update(business_case=case, user=people["lead"], changes={"value_per_unit": "3"},
                         version=case.version)
    assert not CostModel.objects.filter(poc=poc).exists()


def test_scales_are_editable(poc, model):
    body = patched(model, poc, {"scales": [1, 2, 50]})
    assert [r["scale"] for r in body["results"]] == [1, 2, 50]
    assert body["results"][2]["monthly_cost"] == "16200.00"  # 1,200 + 0.03 × 500,000


def test_own_hardware_lines_make_a_scenario_and_a_crossover(poc, model):
    add_line(model, poc, name="Server", scenario="own_hardware", category="hardware", behaviour="one_off",
             low="20000", likely="24000", high="30000", amortisation_months=24)
    body = model.get(url(poc)).json()
    assert set(body["scenarios"]) == {"hosted", "own_hardware"}
    assert body["scenarios"]["own_hardware"][0]["monthly_cost"] == "1000.00"
    # hosted 1,200 + 0.03 v = own 1,000: owning is cheaper at any volume
    assert body["crossover_volume"] == "0.00"


def run_eval(poc, user, dataset, model_version, correct_in_ten: int):
    from apps.evaluations import services as evaluations

    content = "id,label,prediction\n" + "".join(
        f"{i},a,{'a' if i % 10 < correct_in_ten else 'b'}\n" for i in range(100))
    with jobs_run():
        evaluations.eval_run_create(poc=poc, user=user, dataset=dataset, model_version=model_version,
                                    upload=SimpleUploadedFile("r.csv", content.encode()), resamples=100)


def test_a_better_production_sample_evaluation_changes_the_value_after_the_recompute(poc, people, model,
                                                                                     private_media):
    from apps.evaluations import services as evaluations

    lead = people["lead"]
    dataset = evaluations.dataset_create(poc=poc, user=lead, data={"name": "Prod", "kind": "production",
                                                                   "is_standard": True})
    first = evaluations.model_version_create(poc=poc, user=lead, data={"name": "small"})
    run_eval(poc, lead, dataset, first, 7)  # its results recompute the cost model by themselves
    body = model.get(url(poc)).json()
    assert body["stale"] is False
    assert body["quality_source"]["kind"] == "measured" and body["quality_used"] == "0.700000"
    assert body["results"][0]["value"] == "14000.00"  # 2 × 10,000 × 0.7 (the 0.9 assumption is ignored)
    better = evaluations.model_version_create(poc=poc, user=lead, data={"name": "large"})
    run_eval(poc, lead, dataset, better, 8)
    body = model.get(url(poc)).json()
    assert body["quality_source"]["model_version"] == better.pk
    assert body["results"][0]["value"] == "16000.00"
    assert body["results"][0]["net_value"] == "14500.00"
    chosen = patched(model, poc, {"model_version": first.pk})  # the user picks a model version
    assert chosen["results"][0]["value"] == "14000.00"


def test_read_only_people_get_403_before_the_body_is_read(poc, people, api_for):
    api = api_for(people["viewer"])
    assert api.get(url(poc)).status_code == 200
    assert api.patch(url(poc), {"volume_per_month": "x"}, format="json").status_code == 403
    assert api.post(url(poc, "lines/"), PEOPLE, format="json").status_code == 403
    assert api_for(people["outsider"]).get(url(poc)).status_code == 404


def test_the_cost_model_api_answers_in_a_pinned_number_of_queries(poc, model, django_assert_max_num_queries):
    model.get(url(poc))
    with django_assert_max_num_queries(6):
        assert model.get(url(poc)).status_code == 200
