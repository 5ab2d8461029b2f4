"""The kickoff in real Chromium: inline saves without page loads, conflicts, and the gate."""

import importlib
import re
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from apps.checklists.models import ChecklistItem, ChecklistTemplate, Reason
from apps.pocs import services as poc_services
from apps.pocs.models import Stage
from tests.conftest import TIMEOUT_MS
from tests.factories import PASSWORD, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def ensure_default_template():
    """A transactional test starts from tables emptied by the one before; put the seeded template back."""
    if not ChecklistTemplate.objects.filter(is_current=True).exists():
        importlib.import_module("apps.checklists.migrations.0003_default_template").seed(django_apps, None)


@pytest.fixture
def kickoff_team(transactional_db):
    ensure_default_template()
    poc, people = make_team()
    poc = poc_services.poc_transition(poc=poc, user=people["lead"], to=Stage.KICKOFF)
    poc = poc_services.poc_update(
        poc=poc,
        user=people["lead"],
        changes={"decision_due_date": timezone.localdate() + timedelta(weeks=6)},
        version=poc.version,
    )
    return poc, people


def sign_in(browser, live_server, user):
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/pocs/")
    return page


def test_a_lead_completes_the_kickoff_inline_accepts_a_risk_and_moves_to_running(browser, live_server, kickoff_team):
    from playwright.sync_api import expect

    poc, people = kickoff_team
    page = sign_in(browser, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")
    page.click("nav.tabs >> text=Kickoff")
    page.wait_for_url(f"{live_server.url}/pocs/{poc.pk}/kickoff/")
    page.evaluate("window.__marker = 1")

    items = list(ChecklistItem.objects.filter(poc=poc).order_by("reason", "position", "id"))
    risky = next(i for i in items if i.reason == Reason.INTEGRATION)
    for item in items:
        box = page.locator(f"#item-{item.pk}")
        box.get_by_role("link", name="Edit").click()  # each item is one line until its form is opened
        if item == risky:
            box.locator("select[name=status]").select_option("accepted_risk")
            box.locator("textarea[name=justification]").fill(
                "The owning team estimates after the PoC; agreed with the sponsor"
            )
            box.locator(".item-form button[type=submit]").click()
            expect(page.locator(f"#item-{item.pk} .item-head .badge")).to_have_text("Accepted risk")
        else:
            box.locator("select[name=status]").select_option("done")
            box.locator(".item-form button[type=submit]").click()
            expect(page.locator(f"#item-{item.pk} .item-head .badge")).to_have_text("Done")

    per_reason = {r: sum(1 for i in items if i.reason == r) for r in Reason.values}
    for reason, total in per_reason.items():
        expect(page.locator(f"#progress-r{reason} .count")).to_have_text(f"{total} of {total} resolved")
    expect(page.locator("#risk-panel .accepted")).to_contain_text("agreed with the sponsor")
    assert page.evaluate("window.__marker") == 1, "a save reloaded the page"

    page.click("nav.tabs >> text=Overview")
    page.wait_for_url(f"{live_server.url}/pocs/{poc.pk}/")
    page.evaluate("window.__marker = 2")
    page.click("#stage-panel button:has-text('Move to Running')")
    expect(page.locator("#stage-h")).to_have_text("Stage: Running")
    assert page.evaluate("window.__marker") == 2
    poc.refresh_from_db()
    assert poc.stage == Stage.RUNNING


def test_a_second_editor_sees_the_conflict_with_the_current_value_and_keeps_their_text(
    browser, live_server, kickoff_team
):
    from playwright.sync_api import expect

    poc, people = kickoff_team
    item = ChecklistItem.objects.filter(poc=poc).order_by("reason", "position", "id").first()
    first = sign_in(browser, live_server, people["lead"])
    second = sign_in(browser, live_server, people["contributor"])
    for page in (first, second):
        page.goto(f"{live_server.url}/pocs/{poc.pk}/kickoff/")
        page.locator(f"#item-{item.pk}").get_by_role("link", name="Edit").click()  # both open the same version
        expect(page.locator(f"#item-{item.pk}-notes")).to_be_visible()

    first.fill(f"#item-{item.pk}-notes", "Lead: sponsor signed the value hypothesis")
    first.locator(f"#item-{item.pk} .item-form button[type=submit]").click()
    expect(first.locator(f"#item-{item.pk} .conflict")).to_have_count(0)
    first.locator(f"#item-{item.pk}").get_by_role("link", name="Edit").click()  # saved: back to one line
    expect(first.locator(f"#item-{item.pk}-notes")).to_have_value("Lead: sponsor signed the value hypothesis")

    second.fill(f"#item-{item.pk}-notes", "Contributor: numbers from finance attached")
    second.locator(f"#item-{item.pk} .item-form button[type=submit]").click()
    conflict = second.locator(f"#item-{item.pk} .conflict")
    expect(conflict).to_contain_text("Someone else changed this item")
    expect(conflict.locator(".current-value")).to_have_text("Lead: sponsor signed the value hypothesis")
    expect(second.locator(f"#item-{item.pk}-notes")).to_have_value("Contributor: numbers from finance attached")
    item.refresh_from_db()
    assert item.notes == "Lead: sponsor signed the value hypothesis"

    second.locator(f"#item-{item.pk} .item-form button[type=submit]").click()
    expect(second.locator(f"#item-{item.pk} .conflict")).to_have_count(0)
    item.refresh_from_db()
    assert item.notes == "Contributor: numbers from finance attached"


def test_the_kickoff_shows_one_line_per_item_with_progress_jump_links_and_edit_in_place(
    browser, live_server, kickoff_team
):
    from playwright.sync_api import expect

    poc, people = kickoff_team
    items = list(ChecklistItem.objects.filter(poc=poc).order_by("reason", "position", "id"))
    page = sign_in(browser, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/kickoff/")
    page.evaluate("window.__marker = 1")

    # One line per item, no open form: status, text, owner, due date and evidence count.
    main = page.locator("#main")
    expect(main.locator("input:visible, select:visible, textarea:visible")).to_have_count(0)
    expect(page.locator("li.item")).to_have_count(len(items))
    first = page.locator(f"#item-{items[0].pk}")
    expect(first.locator(".badge")).to_have_text("Open")
    expect(first.locator(".item-text")).to_have_text(items[0].text)
    expect(first.locator(".item-owner")).to_have_text("no owner")
    expect(first.locator(".item-due")).to_have_text("no due date")
    expect(first.locator(".item-evidence")).to_have_text("0 evidence")
    expect(page.locator("#progress-all .count")).to_have_text(f"0 of {len(items)} resolved")

    # Jump links per reason.
    page.get_by_role("navigation", name="Kickoff sections").get_by_role("link", name=re.compile(r"^3\. ")).click()
    expect(page).to_have_url(re.compile(r"#reason-3$"))

    # Edit opens the item's form with focus on its first field; saving returns the line and moves the bars.
    first.get_by_role("link", name="Edit").click()
    status = page.locator(f"#item-{items[0].pk}-status")
    expect(status).to_be_focused()
    status.select_option("done")
    page.fill(f"#item-{items[0].pk}-evidence_url", "https://wiki.example.test/value-hypothesis")
    first.get_by_role("button", name="Save").click()
    expect(first.locator(".badge")).to_have_text("Done")
    expect(first.locator(".item-evidence")).to_have_text("1 evidence")
    expect(page.locator("#progress-all .count")).to_have_text(f"1 of {len(items)} resolved")
    expect(page.locator("#progress-all progress")).to_have_attribute("value", "1")
    reason = items[0].reason
    in_reason = sum(1 for i in items if i.reason == reason)
    expect(page.locator(f"#progress-r{reason} .count")).to_have_text(f"1 of {in_reason} resolved")
    expect(page.locator("#save-status")).to_have_text("Saved")

    # The validation questions, limits and business case are read-only cards with Edit too.
    card = page.locator("#validation-quality")
    card.get_by_role("link", name="Edit quality").click()
    target = page.locator("#validation-quality-target")
    expect(target).to_be_visible()
    target.fill("macro-F1 ≥ 0.85 on 500 real claims")
    card.get_by_role("button", name="Save").click()
    expect(card.locator("dl")).to_contain_text("macro-F1 ≥ 0.85 on 500 real claims")
    expect(card.locator("input")).to_have_count(0)
    assert page.evaluate("window.__marker") == 1, "a save reloaded the page"


def test_without_javascript_an_item_is_edited_on_its_own_page(browser, live_server, kickoff_team):
    from playwright.sync_api import expect

    poc, people = kickoff_team
    item = ChecklistItem.objects.filter(poc=poc).order_by("reason", "position", "id").first()
    context = browser.new_context(java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(people["contributor"].email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/pocs/{poc.pk}/kickoff/")

    page.locator(f"#item-{item.pk}").get_by_role("link", name="Edit").click()
    expect(page).to_have_url(f"{live_server.url}/pocs/{poc.pk}/kickoff/items/{item.pk}/")
    page.locator(f"#item-{item.pk}-status").select_option("in_progress")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/pocs/{poc.pk}/kickoff/#item-{item.pk}")
    expect(page.locator(f"#item-{item.pk} .badge")).to_have_text("In progress")

    page.locator("#ack-adoption").get_by_role("link", name="Edit").click()
    page.get_by_label("We acknowledge the PoC will not answer this").check()
    page.get_by_label("Answered instead in").fill("Adoption plan")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#ack-adoption")).to_contain_text("To be answered in: Adoption plan")
    context.close()
