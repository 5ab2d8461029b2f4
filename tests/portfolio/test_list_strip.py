"""My PoCs shows each PoC's five stall reasons from its stored summary, the same levels its header shows."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.checklists.selectors import risk_strip, stall_risk
from apps.pocs.models import PoC
from apps.portfolio.models import PoCSummary
from apps.portfolio.selectors import summary_strip
from tests.factories import UserFactory
from tests.portfolio.conftest import summary_for

pytestmark = pytest.mark.django_db


def cells(html: str, name: str) -> list[tuple[str, str]]:
    """(reason, level) of each cell in the row of the PoC called ``name``."""
    row = next(r for r in html.split("<tr>") if f">{name}</a>" in r)
    return re.findall(r'<span class="risk-name">([^<]+)</span> <span class="risk-level">([^<]+)</span>', row)


def row_of(html: str, name: str) -> str:
    return next(r for r in html.split("<tr>") if f">{name}</a>" in r).split("</tr>", 1)[0]


@pytest.fixture
def lead(db):
    return UserFactory(full_name="Lena Lead")


def test_each_row_shows_the_stored_level_of_each_reason_in_words(client_for, lead):
    poc = PoC.objects.create(name="Invoice routing", lead=lead)
    summary_for(poc, level="high", reason=2, why="No production sample yet.", reasons={4: 1}).save()
    html = client_for(lead).get(reverse("pocs:list")).content.decode()
    assert cells(html, "Invoice routing") == [
        ("Business case", "low"),
        ("Data", "high"),
        ("Integration", "low"),
        ("Ops handover", "medium"),
        ("Direction", "low"),
    ]
    row = row_of(html, "Invoice routing")
    assert 'class="risk-cell risk-high"' in row  # the colour repeats the word
    assert f'href="{reverse("checklists:kickoff", args=[poc.pk])}#reason-2"' in row
    assert "No production sample yet." in row  # the worst reason says why, on hover


def test_a_poc_not_judged_yet_says_so_instead_of_a_strip(client_for, lead):
    PoC.objects.create(name="Contract search", lead=lead)
    row = row_of(client_for(lead).get(reverse("pocs:list")).content.decode(), "Contract search")
    assert "not judged yet" in row and "risk-strip" not in row


def test_the_row_follows_the_summary_when_it_is_refreshed(client_for, lead):
    poc = PoC.objects.create(name="Claims triage", lead=lead)
    summary_for(poc, level="high", reason=1).save()
    client = client_for(lead)
    assert ("Business case", "high") in cells(client.get(reverse("pocs:list")).content.decode(), "Claims triage")
    PoCSummary.objects.filter(poc=poc).update(reason_1=0, risk_rank=0, risk_level="low")
    assert ("Business case", "low") in cells(client.get(reverse("pocs:list")).content.decode(), "Claims triage")


def test_the_stored_strip_matches_the_header_strip(team, django_capture_on_commit_callbacks):
    """The list (stored levels) and the PoC header (live levels) agree once the summary is refreshed."""
    poc, _ = team
    from apps.portfolio.services import summary_refresh

    summary_refresh(poc_id=poc.pk)
    stored = summary_strip(PoCSummary.objects.get(poc=poc))
    live = risk_strip(stall_risk(PoC.objects.get(pk=poc.pk)))
    assert [(c["reason"], c["short"], c["level"]) for c in stored] == [
        (c["reason"], c["short"], c["level"]) for c in live
    ]
    assert any(c["level"] != "low" for c in stored)  # a new PoC has reasons at risk: not a trivial match


def test_each_rows_strip_is_named_after_its_poc(client_for, lead):
    """Screen readers tell the rows' strips apart; a name with quotes stays inside its attribute."""
    poc = PoC.objects.create(name='The "fast" <triage>', lead=lead)
    summary_for(poc).save()
    html = client_for(lead).get(reverse("pocs:list")).content.decode()
    assert 'aria-label="Stall risk of The &quot;fast&quot; &lt;triage&gt; by reason"' in html
