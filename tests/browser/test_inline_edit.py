"""The inline-edit pattern in real Chromium: errors in place (DEBUG on too), the header kept current,
"Saved", a busy Save button, the keyboard, failed requests, and the People tab's role."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.pocs import services
from apps.pocs.models import PoC, Stage
from tests.browser.conftest import login
from tests.factories import ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    ensure_default_template()
    return make_team(timebox_weeks=6)


def open_overview(page, live_server, poc, user):
    login(page, live_server, user)
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")
    page.evaluate("window.__marker = 1")


def field(page, name):
    return page.locator(f"#field-{name}")


@pytest.mark.parametrize("debug", [True, False], ids=["debug", "production"])
def test_a_refused_save_renders_in_place_and_styled(page, live_server, team, settings, debug):
    """Under DEBUG (as ``make run``) as in production, a 400 shows the form again with its message."""
    settings.DEBUG = debug
    poc, people = team
    open_overview(page, live_server, poc, people["lead"])

    field(page, "name").get_by_role("link", name="Edit name").click()
    page.locator("#input-name").fill("   ")
    with page.expect_response(lambda r: r.request.method == "POST" and "/field/name/" in r.url) as answer:
        field(page, "name").get_by_role("button", name="Save").click()
    assert answer.value.status == 400

    error = field(page, "name").locator(".error")
    expect(error).to_have_text("This field is required.")
    # Styled by the page's stylesheet (the error colours), inside the page: header and tabs still there.
    assert error.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(253, 231, 229)"
    expect(page.get_by_role("heading", level=1, name=poc.name)).to_be_visible()
    expect(page.get_by_role("navigation", name="PoC sections")).to_be_visible()
    expect(page.locator("#input-name")).to_be_focused()  # the field that was refused
    assert page.evaluate("window.__marker") == 1, "the page was replaced"
    poc.refresh_from_db()
    assert poc.name == "Claims triage PoC"


def test_saves_and_stage_moves_refresh_the_header_and_say_saved(page, live_server, team):
    poc, people = team
    open_overview(page, live_server, poc, people["lead"])
    badges = page.locator("#poc-head .badges")
    expect(badges).to_contain_text("Timebox 6 weeks · not started")
    expect(badges).not_to_contain_text("Decision overdue")

    field(page, "timebox_weeks").get_by_role("link", name="Edit timebox (weeks)").click()
    page.locator("#input-timebox_weeks").fill("9")
    field(page, "timebox_weeks").get_by_role("button", name="Save").click()
    expect(badges).to_contain_text("Timebox 9 weeks · not started")
    status = page.get_by_role("status").filter(has_text="Saved")
    expect(status).to_have_text("Saved timebox (weeks)")
    expect(page.locator("#save-status")).to_have_attribute("aria-live", "polite")
    # Over 8 weeks: the reason is asked for right below the timebox.
    expect(page.locator("#input-timebox_justification")).to_be_visible()

    field(page, "decision_due_date").get_by_role("link", name="Edit decision due").click()
    page.locator("#input-decision_due_date").fill("2020-01-31")
    field(page, "decision_due_date").get_by_role("button", name="Save").click()
    expect(field(page, "decision_due_date")).to_contain_text("cannot be in the past")
    expect(badges).not_to_contain_text("Decision overdue")
    field(page, "decision_due_date").get_by_role("link", name="Cancel").click()

    # A stage move: the stage badge follows, and the stage panel with it.
    expect(badges.locator(".badge").first).to_have_text("Draft")
    page.locator("#stage-panel").get_by_role("button", name="Move to Kickoff").click()
    expect(page.locator("#stage-h")).to_have_text("Stage: Kickoff")
    expect(badges.locator(".badge").first).to_have_text("Kickoff")
    expect(page.locator("#save-status")).to_have_text("Moved to Kickoff")
    # "Saved" is brief.
    expect(page.locator("#save-status")).to_have_text("", timeout=6000)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    poc.refresh_from_db()
    assert (poc.timebox_weeks, poc.stage) == (9, Stage.KICKOFF)


def test_a_save_in_flight_disables_its_button_and_shows_it_is_working(page, live_server, team):
    poc, people = team
    open_overview(page, live_server, poc, people["lead"])
    held = []
    page.route(re.compile(r"/field/sponsor_name/$"), lambda route: held.append(route) if route.request.method == "POST"
               else route.continue_())

    field(page, "sponsor_name").get_by_role("link", name="Edit sponsor name").click()
    page.locator("#input-sponsor_name").fill("Chief Financial Officer")
    save = field(page, "sponsor_name").get_by_role("button", name="Save")
    save.click()
    expect(save).to_be_disabled()
    expect(field(page, "sponsor_name").locator("form")).to_have_class(re.compile(r"\bhtmx-request\b"))
    assert len(held) == 1
    held[0].continue_()
    expect(field(page, "sponsor_name").locator(".value")).to_have_text("Chief Financial Officer")
    expect(page.locator("#save-status")).to_have_text("Saved sponsor name")


def test_the_keyboard_edit_focuses_the_field_escape_cancels_enter_saves(page, live_server, team):
    poc, people = team
    open_overview(page, live_server, poc, people["lead"])
    edit_name = field(page, "name").get_by_role("link", name="Edit name")

    edit_name.click()
    name = page.locator("#input-name")
    expect(name).to_be_focused()
    name.fill("Typed, then thought better of it")
    page.keyboard.press("Escape")
    expect(field(page, "name").locator(".value")).to_have_text("Claims triage PoC")
    expect(page.locator("#input-name")).to_have_count(0)
    expect(field(page, "name").get_by_role("link", name="Edit name")).to_be_focused()

    page.keyboard.press("Enter")  # on the focused Edit link: opens the form again
    expect(page.locator("#input-name")).to_be_focused()
    page.keyboard.press("Control+a")
    page.keyboard.type("Claims triage, second round")
    page.keyboard.press("Enter")
    expect(field(page, "name").locator(".value")).to_have_text("Claims triage, second round")
    expect(page.get_by_role("heading", level=1)).to_have_text("Claims triage, second round")  # the header too
    expect(field(page, "name").get_by_role("link", name="Edit name")).to_be_focused()

    # In a text area Enter is a new line; Ctrl+Enter saves.
    field(page, "description").get_by_role("link", name="Edit description").click()
    description = page.locator("#input-description")
    expect(description).to_be_focused()
    description.fill("First line")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type("Second line")
    expect(description).to_have_value("First line\nSecond line")
    page.keyboard.press("Control+Enter")
    expect(field(page, "description").locator(".value")).to_contain_text("Second line")
    poc.refresh_from_db()
    assert (poc.name, poc.description) == ("Claims triage, second round", "First line\nSecond line")


@pytest.mark.parametrize("failure", ["server error", "no answer"])
def test_a_failed_request_says_so_instead_of_doing_nothing(page, live_server, team, failure):
    poc, people = team
    open_overview(page, live_server, poc, people["lead"])

    def fail(route):
        if route.request.method != "POST":
            route.continue_()
        elif failure == "server error":
            route.fulfill(status=500, content_type="text/html", body="<h1>Server Error (500)</h1>")
        else:
            route.abort("connectionrefused")

    page.route(re.compile(r"/field/sponsor_name/$"), fail)
    field(page, "sponsor_name").get_by_role("link", name="Edit sponsor name").click()
    page.locator("#input-sponsor_name").fill("Chief Financial Officer")
    field(page, "sponsor_name").get_by_role("button", name="Save").click()

    problem = page.get_by_role("alert").filter(has_text="may not have been saved")
    expect(problem).to_be_visible()
    if failure == "server error":
        expect(problem).to_contain_text("Something went wrong on our side; your change may not have been saved.")
    else:
        expect(problem).to_contain_text("The portal could not be reached")
    expect(problem.get_by_role("link", name="Reload the page")).to_be_visible()
    # Nothing was swapped: the form and what was typed are still there, and Save works again.
    expect(page.locator("#input-sponsor_name")).to_have_value("Chief Financial Officer")
    expect(field(page, "sponsor_name").get_by_role("button", name="Save")).to_be_enabled()
    expect(page.locator("#save-status")).to_have_text("")
    problem.get_by_role("button", name="Dismiss").click()
    expect(page.locator("#request-problem")).to_be_hidden()


def test_the_people_tab_shows_each_members_current_role(page, live_server, team):
    poc, people = team
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/people/")
    viewer = page.get_by_label(f"Role for {people['viewer']}")
    contributor = page.get_by_label(f"Role for {people['contributor']}")
    expect(viewer).to_have_value("viewer")
    expect(contributor).to_have_value("contributor")

    # "Set role" without touching the dropdown changes nothing.
    page.get_by_role("row").filter(has_text=people["viewer"].email).get_by_role("button", name="Set role").click()
    expect(page.get_by_label(f"Role for {people['viewer']}")).to_have_value("viewer")
    assert poc.memberships.get(user=people["viewer"]).role == "viewer"
    assert PoC.objects.get(pk=poc.pk).memberships.get(user=people["contributor"]).role == "contributor"


def test_stage_move_refused_keeps_the_header(page, live_server, team):
    """A refused move answers the panel with what is missing; nothing says "Saved"."""
    poc, people = team
    services.poc_transition(poc=poc, user=people["lead"], to=Stage.KICKOFF)
    open_overview(page, live_server, poc, people["lead"])
    page.locator("#stage-panel").get_by_role("button", name="Move to Running").click()
    expect(page.locator("#stage-panel .error")).to_contain_text("missing")
    expect(page.locator("#poc-head .badges .badge").first).to_have_text("Kickoff")
    expect(page.locator("#save-status")).to_have_text("")
