"""The PoC header at a glance: a risk strip of the five reasons, the timebox bar, checklist progress;
and the Overview's stage panel carrying what the old summary card showed."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from apps.checklists.models import ChecklistItem, Reason
from apps.pocs.models import PoC
from tests.factories import make_poc

pytestmark = pytest.mark.django_db


def overview(client, poc) -> str:
    return client.get(reverse("pocs:detail", args=[poc.pk])).content.decode()


def strip_cells(html: str) -> list[tuple[str, str, str]]:
    """(level class, name, level text) of each cell of the risk strip."""
    cell = r'<li class="risk-cell risk-(\w+)">.*?'
    return re.findall(cell + r'<span class="risk-name">([^<]+)</span> <span class="risk-level">(\w+)</span>', html)


@pytest.mark.parametrize("name", ["pocs:detail", "pocs:people", "pocs:activity", "checklists:kickoff"])
def test_every_poc_page_shows_the_five_reasons_coloured_and_in_words(client_for, poc, people, name):
    html = client_for(people["viewer"]).get(reverse(name, args=[poc.pk])).content.decode()
    cells = strip_cells(html)
    assert [n for _, n, _ in cells] == ["Business case", "Data", "Integration", "Ops handover", "Direction"]
    for colour, _name, level in cells:
        assert colour == level and level in {"low", "medium", "high"}  # the colour never stands alone
    for reason in Reason:
        assert f"kickoff/#reason-{reason.value}" in html  # each cell leads to its reason


def test_checklist_progress_counts_done_items(client_for, poc, people):
    client = client_for(people["viewer"])
    total = ChecklistItem.objects.filter(poc=poc).count()
    assert total > 0
    assert f"0 of {total} done" in overview(client, poc)
    first, second = ChecklistItem.objects.filter(poc=poc)[:2]
    ChecklistItem.objects.filter(pk=first.pk).update(status="done")
    ChecklistItem.objects.filter(pk=second.pk).update(status="accepted_risk", justification="Known and fine")
    html = overview(client, poc)
    assert f"1 of {total} done, 1 accepted as risk" in html
    assert f'max="{total}" value="2"' in html  # the bar counts both as resolved


def test_the_timebox_bar_shows_weeks_elapsed_and_marks_the_decision_date(client_for, poc, people):
    today = timezone.localdate()
    PoC.objects.filter(pk=poc.pk).update(
        kickoff_date=today - datetime.timedelta(days=21),
        timebox_weeks=6,
        decision_due_date=today + datetime.timedelta(days=28),
    )
    html = overview(client_for(people["viewer"]), poc)
    assert 'aria-label="Week 3.0 of 6; decision due in week 7.0"' in html
    assert 'class="elapsed" x="0" y="2" width="42.86"' in html  # 3 of 7 weeks on the scale
    assert '<line class="decision" x1="100.0"' in html
    assert '<line class="end" x1="85.71"' in html  # the timebox ends before the decision date
    assert "Decision due" in html and "(week 7.0, marked)" in html


def test_no_bar_before_kickoff(client_for, poc, people):
    html = overview(client_for(people["viewer"]), poc)
    assert "timebox-bar" not in html and "not started" in html


def test_the_overview_has_no_recompute_button_and_the_stage_panel_counts_named_people(client_for, poc, people):
    html = overview(client_for(people["lead"]), poc)
    assert "Recompute summary" not in html
    assert "Named people: <strong>3 of 4</strong> · still to name: sponsor." in html


def test_the_header_costs_no_query_for_its_pictures(client_for, poc, people):
    """The strip and progress reuse the stall-risk rows the badge already read: same count either way."""
    client = client_for(people["viewer"])
    url = reverse("pocs:activity", args=[poc.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    ChecklistItem.objects.filter(poc=poc).update(status="done")
    PoC.objects.filter(pk=poc.pk).update(kickoff_date=timezone.localdate(), decision_due_date=timezone.localdate())
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_my_pocs_shows_stage_week_and_decision_due_in_a_constant_number_of_queries(client_for, people):
    client = client_for(people["lead"])
    today = timezone.localdate()
    make_poc(
        lead=people["lead"],
        name="Only one",
        kickoff_date=today - datetime.timedelta(days=14),
        timebox_weeks=6,
        decision_due_date=today + datetime.timedelta(days=30),
    )
    client.get(reverse("pocs:list"))
    with CaptureQueriesContext(connection) as one:
        html = client.get(reverse("pocs:list")).content.decode()
    assert "Week 2.0 of 6" in html and 'data-label="Stage"' in html and 'data-label="Decision due"' in html
    for n in range(19):
        make_poc(
            lead=people["lead"],
            name=f"More {n}",
            kickoff_date=today,
            timebox_weeks=8,
            decision_due_date=today + datetime.timedelta(days=50),
        )
    with CaptureQueriesContext(connection) as twenty:
        html = client.get(reverse("pocs:list")).content.decode()
    assert html.count("Week 0.0 of 8") == 19
    assert len(twenty) == len(one)
