"""Helpers for browser tests: real Chromium through Playwright against the live server.

Fixtures (``browser`` itself is in tests/conftest.py, shared by every folder):

- ``page``: a fresh browser context and page per test, at the live server;
- ``login(page, live_server, user)``: sign in through the login form;
- ``accessible``: ``accessible(page, where)`` runs axe-core (axe-playwright-python, bundled, no
  network) on the page as it stands and fails on any serious or critical violation, naming the
  rule, the elements and where;
- ``poc_pages(poc)``: the URL of every page of a PoC (each tab any app registers, then People and
  Activity), so a tab added later is walked by the accessibility and phone-width tests by default.

Browser tests must use ``@pytest.mark.django_db(transaction=True)``: the live server runs in
another thread with its own database connection and sees only committed data. Tests in other
folders can import ``page`` and ``login`` from here.
"""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.conftest import TIMEOUT_MS
from tests.factories import PASSWORD

# axe-core impacts that fail a page; "moderate" and "minor" are reported by axe but not held here.
BLOCKING_IMPACTS = ("serious", "critical")
PHONE_WIDTH = 390


@pytest.fixture
def page(browser, live_server):
    """A fresh context and page at the live server (plain http: see tests/environment.py)."""
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def login(page, live_server, user, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait for the landing page."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/pocs/$"))


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it stands (WCAG 2.x A and AA rules, best practices)."""
    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        targets = ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['impact']}: {violation['id']} ({violation['help']}) at {targets}")
    return "\n".join(lines)


@pytest.fixture
def accessible():
    """``accessible(page, where)``: no serious or critical axe-core violation on the page."""

    def check(page, where: str = "") -> None:
        found = axe_violations(page)
        assert not found, f"Accessibility violations on {where or page.url}:\n{describe_violations(found)}"

    return check


def poc_pages(poc) -> list[tuple[str, str]]:
    """(label, path) of every page of ``poc``: each registered tab in order, then People and Activity."""
    from django.urls import reverse

    from apps.pocs import header

    pages = [(tab.label, tab.url(poc)) for tab in header.tabs()]
    for label, name in (("People", "pocs:people"), ("Activity", "pocs:activity")):
        path = reverse(name, args=[poc.pk])
        if path not in {p for _, p in pages}:
            pages.append((label, path))
    return pages
