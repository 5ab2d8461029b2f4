"""The foundation flow in real Chromium: sign in, start a PoC, edit it inline, read its activity."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.pocs.models import PoC
from tests.browser.conftest import login
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sign_in_create_edit_inline_see_activity_sign_out(page, live_server):
    user = UserFactory(full_name="Ada Lovelace", email="ada@example.test")

    page.goto(f"{live_server.url}/pocs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/pocs/$"))
    login(page, live_server, user)
    expect(page.get_by_role("heading", name="My PoCs")).to_be_visible()

    # Start a PoC from "My PoCs".
    form = page.locator("#new-poc")
    form.get_by_label("Name").fill("Invoice matching")
    form.get_by_role("button", name="Create PoC").click()
    expect(page.get_by_role("heading", level=1, name="Invoice matching")).to_be_visible()
    poc = PoC.objects.get(name="Invoice matching")
    assert poc.lead == user
    expect(page).to_have_url(f"{live_server.url}/pocs/{poc.pk}/")

    # Edit the name inline: htmx swaps the field, the page itself is never reloaded.
    page.evaluate("window.__marker = 1")
    field = page.locator("#field-name")
    field.get_by_role("link", name="Edit name").click()
    name_input = page.locator("#input-name")
    expect(name_input).to_have_value("Invoice matching")
    name_input.fill("Invoice matching at scale")
    page.locator("#field-name").get_by_role("button", name="Save").click()
    expect(page.locator("#field-name .value")).to_have_text("Invoice matching at scale")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    expect(page).to_have_url(f"{live_server.url}/pocs/{poc.pk}/")
    poc.refresh_from_db()
    assert poc.name == "Invoice matching at scale"
    assert poc.version == 2

    # The Activity tab shows who changed the name, from what, to what.
    page.get_by_role("navigation", name="PoC sections").get_by_role("link", name="Activity").click()
    expect(page).to_have_url(f"{live_server.url}/pocs/{poc.pk}/activity/")
    change = page.locator("ol.activity > li").filter(has=page.locator(".field-name", has_text="name")).filter(
        has=page.locator("del", has_text="Invoice matching")
    )
    expect(change).to_have_count(1)
    expect(change.locator("strong")).to_have_text("Ada Lovelace")
    expect(change.locator("del")).to_have_text("Invoice matching")
    expect(change.locator("ins")).to_have_text("Invoice matching at scale")

    # Sign out: back on the login page, and the PoCs are out of reach again.
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next="))
