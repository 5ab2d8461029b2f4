"""At a phone's width (390 px) no page scrolls sideways: tables become stacked rows, values wrap."""

from __future__ import annotations

import os

import pytest

from apps.checklists.models import ChecklistItem
from tests.browser.conftest import PHONE_WIDTH, login, poc_pages
from tests.factories import ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    ensure_default_template()
    poc, people = make_team(
        timebox_weeks=6,
        name="Customer-support ticket summarisation across every regional helpdesk queue",
        production_owner_budget_line="OPS-2027-AI-CUSTOMER-SUPPORT-SUMMARISATION-LONG-BUDGET-LINE-NAME",
    )
    # A long unbroken value, as people paste them: a link with no spaces.
    item = ChecklistItem.objects.filter(poc=poc).first()
    ChecklistItem.objects.filter(pk=item.pk).update(
        evidence_url="https://wiki.example.test/spaces/ai-programme/pages/production-sample-plan-for-ticket-summaries"
    )
    return poc, people


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    yield page
    context.close()


def page_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def wider_elements(page) -> list[str]:
    """The elements that reach past the viewport's right edge, to say what to fix."""
    return page.evaluate(
        """(limit) => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > limit + 1)
            .slice(0, 8)
            .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
                 (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '') +
                 ' (' + Math.round(e.getBoundingClientRect().right) + ' px)')""",
        PHONE_WIDTH,
    )


def test_no_page_scrolls_sideways_at_phone_width(phone, live_server, team):
    poc, people = team
    login(phone, live_server, people["lead"])
    pages = [("My PoCs", "/pocs/"), *poc_pages(poc), ("Notifications", "/notifications/")]
    too_wide = {}
    for label, path in pages:
        phone.goto(f"{live_server.url}{path}")
        if os.environ.get("PHONE_SHOTS"):  # look at them: PHONE_SHOTS=folder pytest …
            phone.screenshot(path=f"{os.environ['PHONE_SHOTS']}/{label}.png", full_page=True)
        width = page_width(phone)
        if width > PHONE_WIDTH:
            too_wide[f"{label} ({path})"] = (width, wider_elements(phone))
    assert not too_wide, f"Pages wider than {PHONE_WIDTH} px: {too_wide}"


def test_tables_become_stacked_rows_at_phone_width(phone, live_server, team):
    poc, people = team
    login(phone, live_server, people["lead"])
    phone.goto(f"{live_server.url}/pocs/")
    row = phone.locator("table tbody tr").first
    assert row.locator(".risk-strip .risk-cell").count() == 5  # the stall-risk strip is among the stacked lines
    cells = row.locator("td")
    # Stacked: each cell on a line of its own, under the one before it, labelled by its column.
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1
    assert phone.evaluate("(td) => getComputedStyle(td, '::before').content", cells.nth(1).element_handle()) not in (
        "none",
        "normal",
        '""',
    )


def test_pages_with_results_and_tables_fit_a_phone(phone, live_server, team, private_media):
    """A PoC with results, costs, integrations and a requested decision: its tables fit, or scroll inside."""
    from tests.decisions.helpers import awaiting

    poc, people = team
    poc = awaiting(poc, people)
    login(phone, live_server, people["decision_maker"])
    too_wide = {}
    for label, path in poc_pages(poc):
        phone.goto(f"{live_server.url}{path}")
        if os.environ.get("PHONE_SHOTS"):
            phone.screenshot(path=f"{os.environ['PHONE_SHOTS']}/{label} with data.png", full_page=True)
        width = page_width(phone)
        if width > PHONE_WIDTH:
            too_wide[f"{label} ({path})"] = (width, wider_elements(phone))
    assert not too_wide, f"Pages wider than {PHONE_WIDTH} px: {too_wide}"
