"""Helpers for browser tests: real Chromium through Playwright against the live server.

Fixtures (``browser`` itself is in tests/conftest.py, shared by every folder):

- ``page``: a fresh browser context and page per test, at the live server;
- ``login(page, live_server, user)``: sign in through the login form.

Browser tests must use ``@pytest.mark.django_db(transaction=True)``: the live server runs in
another thread with its own database connection and sees only committed data. Tests in other
folders can import ``page`` and ``login`` from here.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import TIMEOUT_MS
from tests.factories import PASSWORD


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
