"""In real Chromium: enter the baseline and cost lines, and see the 1×/5×/20× table and the tornado update
in place, without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login, page  # noqa: F401, F811  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def add_line(page, name, category, behaviour, low, likely, high, **extra):  # noqa: F811
    form = page.locator("#line-add form")
    form.get_by_label("Name").fill(name)
    form.get_by_label("Category").select_option(category)
    form.get_by_label("Behaviour").select_option(behaviour)
    form.get_by_label("Low", exact=True).fill(low)
    form.get_by_label("Likely", exact=True).fill(likely)
    form.get_by_label("High", exact=True).fill(high)
    for label, value in extra.items():
        form.get_by_label(label).fill(value)
    form.get_by_role("button", name="Add the line").click()


def test_enter_lines_and_see_the_scale_table_and_tornado_update_without_reload(page, live_server, team):  # noqa: F811
    poc, people = team
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/costs/")
    page.evaluate("window.__marker = 1")

    baseline = page.locator("#cost-baseline")
    baseline.get_by_role("link", name="Edit the baseline and value").click()
    baseline.get_by_label("Volume per month").fill("10000")
    baseline.get_by_label("Value per unit").fill("2")
    baseline.get_by_label("Assumed quality (0–1)").fill("0.9")
    baseline.get_by_role("button", name="Save").click()
    expect(page.locator("#cost-baseline")).to_contain_text("10000")

    add_line(page, "Support team", "people", "fixed", "1000", "1200", "1500")
    table = page.locator("#scale-table-hosted")
    for scale in ("1×", "5×", "20×"):
        expect(table.get_by_role("columnheader", name=scale)).to_be_visible()
    expect(table.get_by_role("row", name="Monthly cost")).to_contain_text("€1,200.00")
    tornado = page.locator("#sensitivity-hosted-1 figure.tornado")
    expect(tornado).to_contain_text("Support team")

    add_line(page, "LLM calls", "inference", "per_unit", "0.01", "0.015", "0.02", **{"Units per request": "2"})
    # 1×: 1,200 + 0.015 × 2 × 10,000 = 1,500; 20×: 1,200 + 6,000 = 7,200
    expect(table.get_by_role("row", name="Monthly cost")).to_contain_text("€1,500.00")
    expect(page.locator("#scale-table-hosted").get_by_role("row", name="Monthly cost")).to_contain_text("€7,200.00")
    expect(page.locator("#sensitivity-hosted-1 figure.tornado")).to_contain_text("LLM calls")
    expect(page.locator("#line-rows")).to_contain_text("LLM calls")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"

    add_line(page, "Broken", "storage", "fixed", "50", "40", "60")
    expect(page.locator("#line-add")).to_contain_text("Low must not be more than likely.")
    assert page.evaluate("window.__marker") == 1
