"""The Costs tab: the baseline and lines edited in place, the results table and charts, the hardware
message by data sensitivity, refusals on their field, and a pinned number of queries."""

from __future__ import annotations

import pytest
from django.test import TestCase

from apps.costs import services
from apps.costs.models import CostLine
from apps.pocs.models import PoC

pytestmark = pytest.mark.django_db


def jobs_run():
    return TestCase.captureOnCommitCallbacks(execute=True)


@pytest.fixture
def modelled(poc, people):
    lead = people["lead"]
    with jobs_run():
        services.cost_model_update(poc=poc, user=lead, changes={"volume_per_month": "10000", "value_per_unit": "2",
                                                                "quality": "0.9", "currency": "GBP"})
        services.cost_line_create(poc=poc, user=lead, data={"name": "Support <team>", "category": "people",
                                                            "behaviour": "fixed", "low": 1000, "likely": 1200,
                                                            "high": 1500})
        services.cost_line_create(poc=poc, user=lead, data={"name": "GPU", "category": "gpu", "behaviour": "stepped",
                                                            "low": 400, "likely": 500, "high": 700,
                                                            "capacity_per_node": "0.01", "peak_to_average": 3})
    return poc


def page(poc):
    return f"/pocs/{poc.pk}/costs/"


def test_the_page_shows_the_scales_table_charts_and_the_assumed_quality(modelled, people, client_for):
    html = client_for(people["viewer"]).get(page(modelled)).content.decode()
    assert 'id="scale-table-hosted"' in html
    for scale in ("1×", "5×", "20×"):
        assert f'<th scope="col" class="num">{scale}</th>' in html
    # 1×: 10,000 ÷ 2,592,000 × 3 ÷ 0.01 = 1.16 → 2 nodes = 1,000; + 1,200
    assert "2200.00 GBP" in html
    assert html.count("<svg") >= 7  # cost bars, and a tornado and a distribution per scale
    assert "Support &lt;team&gt;" in html and "Support <team>" not in html  # labels escaped, in SVG too
    assert "<strong>Assumed</strong>" in html
    assert "Buying hardware during a PoC is usually premature" in html
    assert "Edit" not in html.split('id="cost-lines"')[1].split("</section>")[0]  # a viewer reads


def test_on_premises_data_puts_own_hardware_first_with_the_early_hardware_message(modelled, people, client_for):
    PoC.objects.filter(pk=modelled.pk).update(data_sensitivity="on_premises")
    with jobs_run():
        services.cost_line_create(poc=modelled, user=people["lead"], data={
            "name": "Server", "scenario": "own_hardware", "category": "hardware", "behaviour": "one_off",
            "low": 20000, "likely": 24000, "high": 30000, "amortisation_months": 36})
    html = client_for(people["lead"]).get(page(modelled)).content.decode()
    assert "the hardware question comes early" in html
    assert html.index('id="scenario-own_hardware"') < html.index('id="scenario-hosted"')
    assert "Crossover volume" in html


def test_a_bad_line_from_the_page_is_refused_on_its_field(modelled, people, client_for):
    client = client_for(people["contributor"])
    data = {"new-name": "Storage", "new-scenario": "hosted", "new-category": "storage", "new-behaviour": "fixed",
            "new-low": "50", "new-likely": "40", "new-high": "60"}
    response = client.post(f"/pocs/{modelled.pk}/costs/lines/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Low must not be more than likely." in html
    assert not CostLine.objects.filter(poc=modelled, name="Storage").exists()


def test_editing_a_line_inline_answers_the_row_and_the_results_out_of_band(modelled, people, client_for):
    client = client_for(people["contributor"])
    line = CostLine.objects.get(poc=modelled, name="GPU")
    form = client.get(f"/pocs/{modelled.pk}/costs/lines/{line.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'data-inline-form' in form and 'name="version"' in form
    data = {"name": "GPU", "scenario": "hosted", "category": "gpu", "behaviour": "stepped", "low": "400",
            "likely": "600", "high": "700", "capacity_per_node": "0.01", "peak_to_average": "3", "version": "1"}
    with jobs_run():
        response = client.post(f"/pocs/{modelled.pk}/costs/lines/{line.pk}/", data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="line-{line.pk}"' in html and 'id="cost-results"' in html and 'hx-swap-oob="true"' in html
    assert response["HX-Trigger"] == "poc-changed"
    assert "2400.00 GBP" in client.get(page(modelled)).content.decode()  # 1,200 + 2 × 600


def test_the_costs_page_answers_in_a_pinned_number_of_queries(modelled, people, client_for,
                                                              django_assert_max_num_queries):
    client = client_for(people["lead"])
    client.get(page(modelled))
    with django_assert_max_num_queries(15):
        assert client.get(page(modelled)).status_code == 200
