"""The portfolio's figures on a known set of PoCs equal the values worked out by hand."""

from __future__ import annotations

import datetime
import statistics

import numpy as np
import pytest
from django.utils import timezone

from apps.accounts.models import BusinessUnit, User
from apps.pocs.models import PoC, Stage
from apps.portfolio.models import PoCSummary
from tests.factories import UserFactory
from tests.portfolio.conftest import noon, summary_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/portfolio/"
PERIOD = {"since": "2026-01-01", "until": "2026-06-30"}
D = datetime.date


@pytest.fixture
def known(db):
    """Eight PoCs: four open, four decided, with kickoff and decision dates around the first half of 2026.

    Started in the period (kickoff 1 Jan – 30 Jun): B, C, D, E, G, H = 6 (F started in 2025).
    Decided in the period: D (go, 8 weeks), E (no-go, 13 weeks), F (go, 16 weeks) = 3, of which 2 go;
    G was decided in August, outside it.
    Overdue: B (due 1 Mar) and H (due 1 Jul), both still open; D's due date passed but it is decided.
    High stall reasons among open PoCs: reason 1 on A and B, reason 2 on B, reason 5 on H (C is only
    medium on 5; D's high reason 3 does not count, D is decided).
    """
    today = timezone.localdate()
    unit = BusinessUnit.objects.create(name="Claims", code="claims")
    other = BusinessUnit.objects.create(name="Retail", code="retail")
    rows = {
        "A": {"stage": Stage.DRAFT, "business_unit": other},
        "B": {
            "stage": Stage.KICKOFF,
            "kickoff_date": D(2026, 2, 1),
            "decision_due_date": D(2026, 3, 1),
            "business_unit": unit,
        },
        "C": {
            "stage": Stage.RUNNING,
            "kickoff_date": D(2026, 3, 1),
            "decision_due_date": today + datetime.timedelta(30),
            "business_unit": unit,
        },
        "D": {
            "stage": Stage.DECIDED,
            "kickoff_date": D(2026, 1, 5),
            "stage_changed_at": noon(D(2026, 3, 2)),
            "decision_due_date": D(2026, 3, 1),
            "business_unit": unit,
        },
        "E": {
            "stage": Stage.DECIDED,
            "kickoff_date": D(2026, 2, 2),
            "stage_changed_at": noon(D(2026, 5, 4)),
            "business_unit": unit,
        },
        "F": {
            "stage": Stage.DECIDED,
            "kickoff_date": D(2025, 10, 1),
            "stage_changed_at": noon(D(2026, 1, 21)),
            "business_unit": other,
        },
        "G": {
            "stage": Stage.DECIDED,
            "kickoff_date": D(2026, 4, 1),
            "stage_changed_at": noon(D(2026, 8, 1)),
            "business_unit": other,
        },
        "H": {
            "stage": Stage.AWAITING_DECISION,
            "kickoff_date": D(2026, 6, 30),
            "decision_due_date": D(2026, 7, 1),
            "business_unit": unit,
        },
    }
    pocs = {key: PoC.objects.create(name=f"PoC {key}", **fields) for key, fields in rows.items()}
    summaries = {
        "A": {"level": "high", "reason": 1},
        "B": {"level": "high", "reason": 1, "reasons": {2: 2}},
        "C": {"level": "medium", "reason": 5},
        "D": {"level": "high", "reason": 3, "outcome": "go", "criteria": 6},
        "E": {"level": "medium", "reason": 2, "outcome": "no_go"},
        "F": {"level": "low", "reason": 1, "outcome": "go", "criteria": 6},
        "G": {"level": "low", "reason": 1, "outcome": "go", "criteria": 6},
        "H": {"level": "high", "reason": 5},
    }
    PoCSummary.objects.bulk_create([summary_for(pocs[key], **values) for key, values in summaries.items()])
    return pocs, unit


@pytest.fixture
def executive(db):
    return UserFactory(org_role=User.OrgRole.PORTFOLIO_VIEWER)


def figures(api_for, user, **params):
    answer = api_for(user).get(URL, {**PERIOD, **params})
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_the_figures_equal_the_hand_computed_ones(known, executive, api_for):
    body = figures(api_for, executive)
    assert body["count"] == 8
    agg = body["aggregates"]
    assert agg["funnel"] == {
        "draft": 1,
        "kickoff": 1,
        "running": 1,
        "evaluating": 0,
        "awaiting_decision": 1,
        "decided": 4,
    }
    assert agg["graduation_rate"] == {
        "go_over_decided": round(2 / 3, 4),
        "go_over_started": round(2 / 6, 4),
        "go": 2,
        "decided": 3,
        "started": 6,
        "since": "2026-01-01",
        "until": "2026-06-30",
    }
    assert agg["median_weeks_to_decision"] == 13.0
    assert agg["decisions_overdue"] == 2
    assert agg["stall_reasons"] == [
        {"reason": 1, "open_pocs": 2},
        {"reason": 2, "open_pocs": 1},
        {"reason": 5, "open_pocs": 1},
        {"reason": 3, "open_pocs": 0},
        {"reason": 4, "open_pocs": 0},
    ]


def test_the_median_agrees_with_numpy_and_the_standard_library(known, executive, api_for):
    weeks = [8.0, 13.0, 16.0]  # D, E, F
    assert (
        figures(api_for, executive)["aggregates"]["median_weeks_to_decision"]
        == np.median(weeks)
        == statistics.median(weeks)
    )
    # Another period: only D and F (January to March), an even count.
    body = figures(api_for, executive, since="2026-01-01", until="2026-03-31")
    assert body["aggregates"]["median_weeks_to_decision"] == np.median([8.0, 16.0]) == 12.0


def test_the_figures_cover_every_filtered_row_not_the_page(known, executive, api_for):
    unit = known[1]
    body = figures(api_for, executive, business_unit=unit.pk, page_size=1)
    assert body["count"] == 5 and len(body["results"]) == 1 and body["next"]
    agg = body["aggregates"]
    assert sum(agg["funnel"].values()) == 5  # B, C, D, E, H
    assert agg["funnel"]["decided"] == 2
    assert agg["graduation_rate"]["decided"] == 2 and agg["graduation_rate"]["go"] == 1  # D go, E no-go
    assert agg["graduation_rate"]["go_over_decided"] == 0.5
    assert agg["median_weeks_to_decision"] == np.median([8.0, 13.0])
    assert agg["decisions_overdue"] == 2


def test_an_empty_period_gives_no_rate_rather_than_zero(known, executive, api_for):
    body = figures(api_for, executive, since="2020-01-01", until="2020-12-31")
    rate = body["aggregates"]["graduation_rate"]
    assert rate["go_over_decided"] is None and rate["go_over_started"] is None
    assert body["aggregates"]["median_weeks_to_decision"] is None


def test_the_default_period_is_the_last_year(known, executive, api_for):
    answer = api_for(executive).get(URL)
    rate = answer.json()["aggregates"]["graduation_rate"]
    today = timezone.localdate()
    assert rate["until"] == today.isoformat()
    assert rate["since"] == (today - datetime.timedelta(days=365)).isoformat()


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"stage": "decided"}, {"PoC D", "PoC E", "PoC F", "PoC G"}),
        ({"risk": "high"}, {"PoC A", "PoC B", "PoC D", "PoC H"}),
        ({"overdue": "true"}, {"PoC B", "PoC H"}),
        ({"overdue": "false"}, {"PoC A", "PoC C", "PoC D", "PoC E", "PoC F", "PoC G"}),
        ({"q": "poc a"}, {"PoC A"}),
    ],
)
def test_each_filter_keeps_the_right_pocs(known, executive, api_for, params, names):
    body = figures(api_for, executive, **params)
    assert {row["name"] for row in body["results"]} == names
    assert body["count"] == len(names)


def test_the_decision_maker_filter(known, executive, api_for):
    pocs, _ = known
    maker = UserFactory(full_name="Dana Decides")
    PoC.objects.filter(pk__in=[pocs["B"].pk, pocs["H"].pk]).update(decision_maker=maker)
    body = figures(api_for, executive, decision_maker=maker.pk)
    assert {row["name"] for row in body["results"]} == {"PoC B", "PoC H"}
    assert body["results"][0]["decision_maker"] == {"id": maker.pk, "name": "Dana Decides"}


def test_rows_carry_the_stored_summary_and_the_decision_status(known, executive, api_for):
    rows = {row["name"]: row for row in figures(api_for, executive, page_size=100)["results"]}
    assert rows["PoC B"]["risk_level"] == "high" and rows["PoC B"]["risk_reason"] == 1
    assert rows["PoC B"]["overdue"] is True and rows["PoC B"]["decision_status"] == "not_requested"
    assert rows["PoC H"]["decision_status"] == "awaiting"
    assert rows["PoC D"]["decision_status"] == "go" and rows["PoC D"]["overdue"] is False
    assert rows["PoC E"]["decision_status"] == "no_go"
    assert rows["PoC D"]["criteria_met"] == 6
    assert rows["PoC B"]["business_unit"]["name"] == "Claims"
    assert set(rows["PoC A"]) == {
        "id",
        "name",
        "business_unit",
        "stage",
        "weeks_elapsed",
        "timebox_weeks",
        "risk_level",
        "risk_reason",
        "criteria_met",
        "decision_due_date",
        "decision_status",
        "lead",
        "decision_maker",
        "overdue",
    }


@pytest.mark.parametrize(
    ("ordering", "first", "last"),
    [
        ("name", "PoC A", "PoC H"),
        ("-name", "PoC H", "PoC A"),
        ("-risk_level", "PoC A", "PoC G"),  # high first (A, B, D, H by name), low last (F, G)
        ("weeks_elapsed", "PoC H", "PoC A"),  # the latest kickoff first; no kickoff last
        ("-weeks_elapsed", "PoC F", "PoC A"),
        ("decision_due_date", "PoC B", "PoC G"),  # B and D due 1 Mar (B first by name); none last
        ("stage", "PoC A", "PoC G"),
        ("-criteria_met", "PoC D", "PoC H"),
    ],
)
def test_sorting_by_a_column(known, executive, api_for, ordering, first, last):
    names = [row["name"] for row in figures(api_for, executive, ordering=ordering, page_size=100)["results"]]
    assert (names[0], names[-1]) == (first, last)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"stage": "finished"}, "stage"),
        ({"risk": "extreme"}, "risk"),
        ({"overdue": "maybe"}, "overdue"),
        ({"ordering": "salary"}, "ordering"),
        ({"since": "yesterday"}, "since"),
        ({"business_unit": "x"}, "business_unit"),
        ({"page_size": "1000"}, "page_size"),
        ({"since": "2026-05-01", "until": "2026-01-01"}, "until"),
    ],
)
def test_a_bad_filter_is_refused_naming_it(executive, api_for, params, field):
    answer = api_for(executive).get(URL, params)
    assert answer.status_code == 400
    assert field in answer.json()


def test_pages_link_to_each_other(known, executive, api_for):
    first = figures(api_for, executive, page_size=3, ordering="name")
    assert first["previous"] is None and "page=2" in first["next"]
    second = api_for(executive).get(first["next"]).json()
    assert [r["name"] for r in second["results"]] == ["PoC D", "PoC E", "PoC F"]
    assert "page=" not in second["previous"]
    assert second["aggregates"] == first["aggregates"]
