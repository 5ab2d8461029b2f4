"""Overdue and the decision status mean the same wherever the portfolio shows them.

Each is written once (``apps.portfolio.definitions``): the ``overdue`` filter applies it through the ORM, and
the SQL statements of the rows, the sort and the figures embed it compiled. Over every stage, due date
(none, yesterday, today, tomorrow) and signed outcome, the ORM's answer, the API's rows, filter, sort and
count, the CSV and the page agree, and overdue matches the PoC header's "Decision overdue".
"""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.pocs.models import PoC, Stage
from apps.portfolio import definitions
from apps.portfolio.views import OVERDUE
from tests.factories import UserFactory
from tests.portfolio.conftest import summary_for

pytestmark = pytest.mark.django_db

URL = "/api/v1/portfolio/"
ALL = {"page_size": 100}
NO_SUMMARY = None  # a PoC not summarised yet: its signed outcome is unknown to the portfolio


@pytest.fixture
def executive(db):
    return UserFactory(org_role=User.OrgRole.PORTFOLIO_VIEWER)


@pytest.fixture
def grid(db) -> dict[str, tuple[PoC, str | None]]:
    """A PoC for each stage, due date and stored outcome (a decided PoC's go / no-go / not yet stored),
    with and without a summary; by name, each with the outcome its summary holds."""
    today = timezone.localdate()
    dues = {"no date": None, "due yesterday": today - datetime.timedelta(1), "due today": today}
    dues["due tomorrow"] = today + datetime.timedelta(1)
    pocs = {}
    for stage in Stage.values:
        outcomes = ["go", "no_go", "", NO_SUMMARY] if stage == Stage.DECIDED else ["", NO_SUMMARY]
        for outcome in outcomes:
            for label, due in dues.items():
                name = f"{stage}, {'no summary' if outcome is None else outcome or 'no outcome'}, {label}"
                poc = PoC.objects.create(name=name, stage=stage, decision_due_date=due)
                if outcome is not None:
                    summary_for(poc, outcome=outcome).save()
                pocs[name] = (poc, outcome)
    return pocs


def status_in_words(stage: str, outcome: str | None) -> str:
    """The README's decision status: go or no_go once signed (decided, if the outcome is not stored yet),
    awaiting at the stage awaiting decision, not requested before."""
    if stage == Stage.DECIDED:
        return outcome or "decided"
    return "awaiting" if stage == Stage.AWAITING_DECISION else "not_requested"


def names(answer) -> list[str]:
    assert answer.status_code == 200, answer.content
    return [row["name"] for row in answer.json()["results"]]


def csv_rows(client, params) -> list[dict]:
    answer = client.get(reverse("portfolio:csv"), params)
    return list(csv.DictReader(io.StringIO(b"".join(answer.streaming_content).decode())))


def test_overdue_is_the_same_in_the_rows_the_filter_the_count_the_sort_the_csv_and_the_header(
    grid, executive, api_for, client_for
):
    overdue = {name for name, (poc, _) in grid.items() if poc.is_decision_overdue}
    everyone = set(grid)
    # Open PoCs due yesterday, with or without a summary; not the decided ones, nor those due today.
    assert len(overdue) == 2 * (len(Stage.values) - 1)
    api = api_for(executive)

    body = api.get(URL, ALL).json()
    assert {row["name"] for row in body["results"] if row["overdue"] is True} == overdue
    assert {row["name"] for row in body["results"] if row["overdue"] is False} == everyone - overdue
    assert body["aggregates"]["decisions_overdue"] == len(overdue)
    assert set(names(api.get(URL, {**ALL, "overdue": "true"}))) == overdue
    assert set(names(api.get(URL, {**ALL, "overdue": "false"}))) == everyone - overdue
    assert set(names(api.get(URL, {**ALL, "ordering": "-overdue"}))[: len(overdue)]) == overdue
    assert set(names(api.get(URL, {**ALL, "ordering": "overdue"}))[-len(overdue) :]) == overdue

    today = timezone.localdate()
    assert set(PoC.objects.filter(definitions.overdue(today)).values_list("name", flat=True)) == overdue
    orm = PoC.objects.annotate(late=definitions.is_overdue(today)).values_list("name", "late")
    assert {name for name, late in orm if late} == overdue

    client = client_for(executive)
    assert {row["name"] for row in csv_rows(client, {}) if row["overdue"] == "True"} == overdue
    page = client.get(reverse("portfolio:index"), {"overdue": "true"}).content.decode()
    assert page.count(OVERDUE[True]) == len(overdue)


def test_the_decision_status_is_the_same_in_the_rows_the_sort_the_csv_and_the_orm(grid, executive, api_for, client_for):
    expected = {name: status_in_words(poc.stage, outcome) for name, (poc, outcome) in grid.items()}
    assert set(expected.values()) == set(definitions.DecisionStatus.LABELS)
    api = api_for(executive)

    rows = api.get(URL, ALL).json()["results"]
    assert {row["name"]: row["decision_status"] for row in rows} == expected
    for ordering in ("decision_status", "-decision_status"):
        statuses = [expected[name] for name in names(api.get(URL, {**ALL, "ordering": ordering}))]
        assert statuses == sorted(statuses, reverse=ordering.startswith("-"))
    assert {row["name"]: row["decision_status"] for row in csv_rows(client_for(executive), {})} == expected
    orm = PoC.objects.annotate(status=definitions.decision_status()).values_list("name", "status")
    assert dict(orm) == expected
