"""The go/no-go in real Chromium: the decision-maker signs a no-go with their password and sees the
signature; a Go below six criteria is refused with the unmet ones listed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.decisions.models import Decision
from tests.browser.conftest import login, page  # noqa: F401  (the page fixture)
from tests.decisions.helpers import awaiting
from tests.factories import PASSWORD, ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def awaiting_poc(transactional_db, private_media):
    ensure_default_template()
    poc, people = make_team()
    return awaiting(poc, people, all_met=False), people


def open_decision(page, live_server, poc, user):  # noqa: F811
    login(page, live_server, user)
    page.goto(f"{live_server.url}/pocs/{poc.pk}/graduation/")
    expect(page.locator("#criteria-badge")).to_have_text("1/6 criteria")
    page.get_by_role("link", name="Open the decision").click()
    page.wait_for_url(re.compile(r"/graduation/decision/$"))


def test_the_decision_maker_signs_a_no_go_and_sees_the_signature(page, live_server, awaiting_poc):  # noqa: F811
    poc, people = awaiting_poc
    open_decision(page, live_server, poc, people["decision_maker"])
    expect(page.get_by_role("heading", name="What will be frozen")).to_be_visible()
    page.get_by_label("No-go").check()
    page.get_by_label("Rationale").fill("The production sample was never scored.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    page.wait_for_url(re.compile(r"/graduation/#signature$"))
    block = page.locator("#signature")
    expect(block).to_contain_text("No-go")
    expect(block).to_contain_text("Declines production deployment of Claims triage PoC")
    expect(block.locator(".printed-name")).to_have_text("Decision Maker")
    expect(block).to_contain_text("UTC")
    assert Decision.objects.get().outcome == "no_go"


def test_go_below_six_criteria_is_refused_with_the_unmet_listed(page, live_server, awaiting_poc):  # noqa: F811
    poc, people = awaiting_poc
    open_decision(page, live_server, poc, people["decision_maker"])
    page.get_by_label("Go", exact=True).check()
    page.get_by_label("Rationale").fill("Ship it.")
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Sign the decision").click()
    error = page.locator("#sign-error")
    expect(error).to_contain_text("Go needs all 6 criteria")
    unmet = error.locator(".unmet li")
    expect(unmet).to_have_count(5)
    expect(unmet.first).to_contain_text("1. Quality on a representative production sample meets the target")
    assert not Decision.objects.exists()
