"""By keyboard alone in real Chromium: the skip link, visible focus, inline editing, the people picker,
and removing a member (asked first). The pages opened on the way are held to the axe bar too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.pocs.models import Membership, PoC
from tests.browser.conftest import login
from tests.factories import UserFactory, ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    ensure_default_template()
    return make_team(timebox_weeks=6)


def tab_to(page, predicate_js: str, limit: int = 120) -> None:
    """Press Tab until the focused element satisfies ``predicate_js`` (a function of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(({predicate_js}))(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached an element matching {predicate_js}")


def focus_outline(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def test_skip_link_focus_and_inline_edit_by_keyboard(page, live_server, team):
    poc, people = team
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert focus_outline(page) != "none"
    page.keyboard.press("Enter")
    # The next Tab starts inside the main content, not in the top bar.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('main')")

    tab_to(page, "e => e.matches('#field-name [data-inline-edit]')")
    assert focus_outline(page) != "none", "the focused Edit link shows no focus ring"
    page.keyboard.press("Enter")
    name_input = page.locator("#input-name")
    expect(name_input).to_be_focused()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("Claims triage, typed by keyboard")
    page.keyboard.press("Enter")
    expect(page.locator("#field-name .value")).to_have_text("Claims triage, typed by keyboard")
    expect(page.locator("#field-name [data-inline-edit]")).to_be_focused()
    assert PoC.objects.get(pk=poc.pk).name == "Claims triage, typed by keyboard"


def test_the_people_picker_by_keyboard(page, live_server, team, accessible):
    poc, people = team
    grace = UserFactory(full_name="Grace Hopper", email="grace@navy.test")
    UserFactory(full_name="Grace Gone", email="gone@navy.test", is_active=False)
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")

    tab_to(page, "e => e.matches('#field-sponsor [data-inline-edit]')")
    page.keyboard.press("Enter")
    text = page.locator("#input-sponsor")
    expect(text).to_be_focused()
    page.keyboard.type("grac")
    options = page.locator("#input-sponsor-results [data-pick]")
    expect(options).to_have_count(1)  # the inactive Grace is never offered
    expect(options.first).to_contain_text("Grace Hopper")
    accessible(page, "Overview with the sponsor picker open")
    page.keyboard.press("ArrowDown")
    expect(options.first).to_be_focused()
    page.keyboard.press("Enter")
    expect(text).to_be_focused()
    expect(text).to_have_value("Grace Hopper <grace@navy.test>")
    expect(page.locator("#input-sponsor-results [data-pick]")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator("#field-sponsor .value")).to_contain_text("Grace Hopper")
    assert PoC.objects.get(pk=poc.pk).sponsor_id == grace.pk


def test_adding_by_picker_and_removing_after_confirmation(page, live_server, team, accessible):
    poc, people = team
    UserFactory(full_name="Ada Lovelace", email="ada@engine.test")
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/people/")

    page.get_by_label("Person to add (name or email)").fill("lovel")
    page.locator("[data-pick]").first.wait_for()
    page.locator("[data-pick]").first.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Role", exact=True).select_option("viewer")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.get_by_text("Added Ada Lovelace as viewer.")).to_be_visible()
    added = Membership.objects.get(poc=poc, user__email="ada@engine.test")

    row = page.locator("tr", has_text="ada@engine.test")
    row.get_by_role("button", name="Remove").click()
    expect(page.get_by_role("heading", name="Remove Ada Lovelace from this PoC?")).to_be_visible()
    assert Membership.objects.filter(pk=added.pk).exists()
    accessible(page, "the remove confirmation")
    page.get_by_role("link", name="No, keep them").click()
    assert Membership.objects.filter(pk=added.pk).exists()

    page.locator("tr", has_text="ada@engine.test").get_by_role("button", name="Remove").click()
    page.get_by_role("button", name="Yes, remove Ada Lovelace").click()
    expect(page.get_by_text("Removed Ada Lovelace from the PoC.")).to_be_visible()
    assert not Membership.objects.filter(pk=added.pk).exists()


def test_the_picker_the_confirmation_and_the_header_fit_a_phone(browser, live_server, team):
    from tests.browser.conftest import PHONE_WIDTH
    from tests.browser.test_phone_width import page_width, wider_elements

    poc, people = team
    UserFactory(full_name="Bartholomew Featherstonehaugh-Wolfeschlegelsteinhausen", email="bart@long.example.test")
    context = browser.new_context(base_url=live_server.url, viewport={"width": PHONE_WIDTH, "height": 844})
    phone = context.new_page()
    try:
        login(phone, live_server, people["lead"])
        phone.goto(f"{live_server.url}/pocs/{poc.pk}/people/")
        phone.get_by_label("Person to add (name or email)").fill("feather")
        phone.locator("[data-pick]").first.wait_for()
        assert page_width(phone) <= PHONE_WIDTH, wider_elements(phone)
        phone.locator("tr", has_text="viewer@team.test").get_by_role("button", name="Remove").click()
        phone.get_by_role("button", name="Yes, remove Viewer").wait_for()
        assert page_width(phone) <= PHONE_WIDTH, wider_elements(phone)
    finally:
        context.close()
