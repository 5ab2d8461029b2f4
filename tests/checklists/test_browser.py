"""The kickoff in real Chromium: inline saves without page loads, conflicts, and the gate."""

import importlib
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

    first.fill(f"#item-{item.pk}-notes", "Lead: sponsor signed the value hypothesis")
    first.locator(f"#item-{item.pk} .item-form button[type=submit]").click()
    expect(first.locator(f"#item-{item.pk}-notes")).to_have_value("Lead: sponsor signed the value hypothesis")
    expect(first.locator(f"#item-{item.pk} .conflict")).to_have_count(0)

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
