"""The integrations page in real Chromium: adding an integration inline, seeing it in the diagram and the
totals without a page load, then owning and estimating it inline."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.integrations.models import Integration
from tests.browser.conftest import login, page  # noqa: F401  (the page fixture)
from tests.factories import ensure_default_template, make_team

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def team(transactional_db):
    ensure_default_template()
    return make_team(timebox_weeks=6)


def test_adding_an_integration_inline_draws_it_in_the_diagram(page, live_server, team):  # noqa: F811
    poc, people = team
    login(page, live_server, people["contributor"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/integrations/")
    page.evaluate("window.__marker = 1")
    diagram = page.locator("#integration-diagram svg")
    expect(diagram).to_be_visible()
    expect(diagram.locator("text.name", has_text="<script>Ledger</script>")).to_have_count(0)

    add = page.locator("#integrations form.add-row")
    add.get_by_label("System").fill("<script>Ledger</script>")
    add.get_by_label("Direction").select_option("writes_to")
    add.get_by_role("button", name="Add integration").click()

    expect(page.locator("#integration-list")).to_contain_text("<script>Ledger</script>")
    expect(diagram.locator("text.name", has_text="<script>Ledger</script>")).to_have_count(1)
    expect(diagram.locator("g.state-unowned", has_text="<script>Ledger</script>")).to_contain_text("No owner")
    expect(page.locator("#total-integrations")).to_have_text("1")
    expect(page.get_by_role("status")).to_have_text("Added “<script>Ledger</script>”")
    row = Integration.objects.get(poc=poc)

    # Own and estimate it inline: the diagram's box changes state, the page is never reloaded.
    item = page.locator(f"#integration-{row.pk}")
    item.get_by_role("link", name="Edit “<script>Ledger</script>”").click()
    expect(item.get_by_label("System")).to_be_focused()
    item.get_by_label("Owning team").fill("Finance IT")
    item.get_by_label("Estimate (days)").fill("4")
    item.get_by_label("Estimate (cost)").fill("2500")
    item.get_by_role("button", name="Save").click()
    expect(item).to_contain_text("Finance IT")
    box = diagram.locator("g.item", has_text="<script>Ledger</script>")
    expect(box).to_have_class("item state-estimated")
    expect(box).to_contain_text("Finance IT · 4 d")
    expect(page.locator("#total-days")).to_have_text("4 days")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
