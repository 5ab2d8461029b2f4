"""No serious or critical accessibility violation (axe-core) on the pages people use, signed out and in.

The PoC's pages come from ``poc_pages``: every tab an app registers is checked without being
listed here, so a page a later app adds is held to the same bar the day its tab exists.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import login, poc_pages
from tests.factories import ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    ensure_default_template()
    return make_team(timebox_weeks=6)


def test_the_sign_in_page_is_accessible(page, live_server, accessible):
    page.goto(f"{live_server.url}/accounts/login/")
    accessible(page, "sign-in")
    # A refused sign-in shows its message; the page stays accessible with it.
    page.get_by_label("Email").fill("nobody@example.test")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    accessible(page, "sign-in, refused")


def test_my_pocs_and_every_page_of_a_poc_are_accessible(page, live_server, team, accessible):
    poc, people = team
    login(page, live_server, people["lead"])
    assert page.locator("table .risk-strip .risk-cell").count() == 5  # the row's stall-risk strip is checked too
    accessible(page, "My PoCs")
    for path in ("/notifications/", "/accounts/profile/", f"/pocs/{poc.pk}/field/name/"):
        page.goto(f"{live_server.url}{path}")
        accessible(page, path)
    for label, path in poc_pages(poc):
        page.goto(f"{live_server.url}{path}")
        accessible(page, f"{label} ({path})")


def test_an_open_inline_form_and_a_read_only_view_are_accessible(page, live_server, team, accessible):
    poc, people = team
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")
    page.locator("#field-timebox_weeks").get_by_role("link", name="Edit timebox (weeks)").click()
    page.locator("#input-timebox_weeks").wait_for()
    accessible(page, "Overview with the timebox form open")
    page.goto(f"{live_server.url}/pocs/{poc.pk}/kickoff/")
    page.locator("#validations .edit").first.click()
    page.locator("#validations form").first.wait_for()
    accessible(page, "Kickoff with a question's form open")

    page.context.clear_cookies()
    login(page, live_server, people["viewer"])
    for label, path in poc_pages(poc):
        page.goto(f"{live_server.url}{path}")
        accessible(page, f"{label} as a viewer ({path})")


def test_a_poc_with_data_on_every_page_is_accessible(page, live_server, team, accessible, private_media):
    """Results, charts, integrations, a requested decision and a long activity: still nothing serious."""
    from tests.decisions.helpers import awaiting

    poc, people = team
    poc = awaiting(poc, people)
    login(page, live_server, people["decision_maker"])
    for label, path in poc_pages(poc):
        page.goto(f"{live_server.url}{path}")
        accessible(page, f"{label} with data ({path})")
