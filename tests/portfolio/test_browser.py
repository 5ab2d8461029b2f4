"""In Chromium: filter the portfolio (the table updates in place and the address keeps the filter), open a
PoC from it, and see a reminder about it in the notifications. The page passes axe-core."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from apps.pocs.models import PoC, Stage
from apps.portfolio.services import summaries_refresh
from apps.reminders import occasions
from apps.reminders import services as reminders
from tests.browser.conftest import login
from tests.factories import ensure_default_template, make_poc, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pocs(transactional_db):
    """Two PoCs the lead runs: one in draft, one running whose timebox ends in two days."""
    ensure_default_template()
    draft, people = make_team(name="Contract search")
    running = make_poc(lead=people["lead"], name="Invoice routing", timebox_weeks=6)
    today = datetime.date.today()
    PoC.objects.filter(pk=running.pk).update(
        stage=Stage.RUNNING, kickoff_date=today - datetime.timedelta(weeks=6, days=-2)
    )
    summaries_refresh(stale_only=False)  # the stage was set directly, as an import would
    assert reminders.reminders_send(today=today) == {occasions.TIMEBOX_ENDING: 1}
    return draft, running, people


def test_filter_the_portfolio_open_a_poc_and_see_its_reminder(page, live_server, pocs, accessible):
    draft, running, people = pocs
    login(page, live_server, people["lead"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Portfolio").click()
    page.wait_for_url(re.compile(r"/portfolio/$"))
    table = page.locator("table.portfolio")
    expect(table).to_contain_text("Contract search")
    expect(table).to_contain_text("Invoice routing")
    accessible(page, "the portfolio")

    # Filtering swaps the results in place (no full load) and puts the filter in the address.
    page.evaluate("window.loadedOnce = true")
    page.get_by_label("Stage", exact=True).select_option("running")
    expect(table).not_to_contain_text("Contract search")
    expect(table).to_contain_text("Invoice routing")
    expect(page).to_have_url(re.compile(r"stage=running"))
    assert page.evaluate("window.loadedOnce") is True
    expect(page.locator(".portfolio-count")).to_contain_text("1 PoC")

    # The address is the view: loading it again keeps the filter.
    page.reload()
    expect(page.get_by_label("Stage", exact=True)).to_have_value("running")
    expect(page.locator("table.portfolio")).not_to_contain_text("Contract search")

    page.locator("table.portfolio").get_by_role("link", name="Invoice routing").click()
    page.wait_for_url(re.compile(rf"/pocs/{running.pk}/$"))
    expect(page.locator("h1")).to_contain_text("Invoice routing")

    nav = page.locator("#nav-notifications")
    expect(nav).to_contain_text("1")
    nav.click()
    expect(page.locator(".notification.unread")).to_contain_text("Invoice routing: the timebox ends in 2 days")
