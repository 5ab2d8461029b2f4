"""The Portfolio page: filters in the address, the HTMX partial, charts with their numbers, the CSV."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.pocs.models import PoC, Stage
from apps.portfolio.views import neutralise
from tests.factories import UserFactory
from tests.portfolio.conftest import summary_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def executive(db):
    return UserFactory(org_role=User.OrgRole.PORTFOLIO_VIEWER, full_name="Erin Executive")


@pytest.fixture
def two(db):
    running = PoC.objects.create(name="Invoice routing", stage=Stage.RUNNING)
    draft = PoC.objects.create(name="Contract search", stage=Stage.DRAFT)
    summary_for(running, level="high", reason=2, why="No evaluation on a production sample yet.").save()
    summary_for(draft, level="low", reason=1).save()
    return running, draft


def test_the_nav_links_to_the_portfolio(client_for, executive):
    page = client_for(executive).get(reverse("pocs:list")).content.decode()
    assert f'href="{reverse("portfolio:index")}"' in page


def test_the_page_lists_rows_with_risk_and_criteria(client_for, executive, two):
    page = client_for(executive).get(reverse("portfolio:index")).content.decode()
    assert "Invoice routing" in page and "Contract search" in page
    assert "No evaluation on a production sample yet." in page
    assert "2/6" in page
    assert page.index("Invoice routing") < page.index("Contract search")  # worst risk first by default


def test_filters_come_from_the_address_and_stay_in_the_links(client_for, executive, two):
    page = client_for(executive).get(reverse("portfolio:index"), {"stage": "running", "ordering": "name"})
    html = page.content.decode()
    assert "Invoice routing" in html and "Contract search" not in html
    assert '<option value="running" selected>' in html
    assert "stage=running" in html.split('id="portfolio-results"')[1]  # sort and CSV links keep the filter
    assert 'href="/portfolio/export.csv?stage=running&amp;ordering=name' in html


def test_an_htmx_request_gets_the_results_partial(client_for, executive, two):
    answer = client_for(executive).get(
        reverse("portfolio:index"), {"risk": "low"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="portfolio-results"
    )
    html = answer.content.decode()
    assert html.lstrip().startswith('<div id="portfolio-results">')
    assert "<form" not in html and "Contract search" in html and "Invoice routing" not in html


def test_the_charts_are_svg_with_the_numbers_beside_them(client_for, executive, two):
    html = client_for(executive).get(reverse("portfolio:index")).content.decode()
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img"') == 3
    assert "<title>PoCs at each stage</title>" in html
    assert '<th scope="row">Running</th><td>1</td>' in html
    assert '<th scope="row">2. Clean PoC data, messy production data</th><td>1</td>' in html
    assert "style=" not in html.split("<main")[1]  # the CSP allows no inline styles


def test_a_bad_filter_is_named_and_left_out(client_for, executive, two):
    answer = client_for(executive).get(reverse("portfolio:index"), {"stage": "finished"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "stage: “finished” is not a stage" in html and "This filter was left out." in html
    assert "Invoice routing" in html and "Contract search" in html


def test_a_poc_without_a_summary_yet_is_listed_not_hidden(client_for, executive):
    PoC.objects.create(name="Fresh import", stage=Stage.DRAFT)
    html = client_for(executive).get(reverse("portfolio:index")).content.decode()
    assert "Fresh import" in html and "Not yet summarised" in html


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("Plain", "Plain"),
        (None, ""),
        (3, "3"),
    ],
)
def test_formula_like_cells_are_neutralised(value, cell):
    assert neutralise(value) == cell


def test_the_csv_exports_every_filtered_row_with_formulas_neutralised(client_for, executive, two):
    running, _ = two
    PoC.objects.filter(pk=running.pk).update(name="=cmd|' /C calc'!A0")
    for n in range(30):  # more than a page
        summary_for(PoC.objects.create(name=f"Extra {n}", stage=Stage.RUNNING)).save()
    answer = client_for(executive).get(reverse("portfolio:csv"), {"stage": "running"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/csv")
    assert answer["Content-Disposition"].startswith('attachment; filename="portfolio-')
    rows = list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert len(rows) == 31
    names = {row["name"] for row in rows}
    assert "'=cmd|' /C calc'!A0" in names
    risky = next(row for row in rows if row["name"].startswith("'="))
    assert risky["risk_level"] == "high" and risky["risk_reason"] == "2" and risky["stage"] == "running"


def test_the_form_offers_the_units_and_the_decision_makers_of_visible_pocs(client_for, executive, two):
    from apps.accounts.models import BusinessUnit

    running, draft = two
    unit = BusinessUnit.objects.create(name="Claims operations", code="claims-ops")
    named = UserFactory(full_name="Dana Decides")
    unnamed = UserFactory(full_name="", email="nameless@example.test")
    PoC.objects.filter(pk=running.pk).update(decision_maker=named, business_unit=unit)
    PoC.objects.filter(pk=draft.pk).update(decision_maker=unnamed)
    html = client_for(executive).get(reverse("portfolio:index")).content.decode()
    assert f'<option value="{unit.pk}">Claims operations</option>' in html
    assert f'<option value="{named.pk}">Dana Decides</option>' in html
    assert f'<option value="{unnamed.pk}">nameless@example.test</option>' in html
    assert "Erin Executive</option>" not in html  # decides nothing


def test_every_value_a_person_typed_is_escaped_in_the_rows(client_for, executive):
    from apps.accounts.models import BusinessUnit

    unit = BusinessUnit.objects.create(name="R&D <lab>", code="rnd")
    lead = UserFactory(full_name='<img src=x onerror="alert(1)">')
    poc = PoC.objects.create(name="<script>alert('x')</script>", stage=Stage.RUNNING, business_unit=unit, lead=lead)
    summary_for(poc, level="high", reason=3, why="Owner said <b>later</b> & left").save()
    html = client_for(executive).get(reverse("portfolio:index")).content.decode()
    row = html.split('class="list portfolio"')[1]
    assert "<script>alert" not in row and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in row
    assert "R&amp;D &lt;lab&gt;" in row
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in row
    assert "R3: Owner said &lt;b&gt;later&lt;/b&gt; &amp; left" in row
    assert f'href="/pocs/{poc.pk}/"' in row


@pytest.mark.parametrize(
    "column", ["name", "business_unit", "stage", "risk_level", "decision_status", "lead", "overdue"]
)
def test_the_page_the_api_and_the_csv_sort_alike(client_for, api_for, executive, column):
    from apps.accounts.models import BusinessUnit

    units = [BusinessUnit.objects.create(name=n, code=n.lower()) for n in ("Beta", "Alpha")]
    leads = [UserFactory(full_name=n) for n in ("Zed", "Amy")]
    for i, stage in enumerate([Stage.RUNNING, Stage.DRAFT, Stage.AWAITING_DECISION, Stage.RUNNING]):
        poc = PoC.objects.create(
            name=f"Sorted {i}", stage=stage, business_unit=units[i % 2], lead=leads[i // 2 % 2], timebox_weeks=6
        )
        summary_for(poc, level=["low", "high", "medium", "high"][i]).save()
    for ordering in (column, f"-{column}"):
        api = api_for(executive).get("/api/v1/portfolio/", {"ordering": ordering}).json()
        names = [r["name"] for r in api["results"]]
        answer = client_for(executive).get(reverse("portfolio:csv"), {"ordering": ordering})
        csv_names = [r["name"] for r in csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode()))]
        html = client_for(executive).get(reverse("portfolio:index"), {"ordering": ordering}).content.decode()
        assert csv_names == names
        assert sorted(names, key=html.index) == names
        assert len(names) == 4
