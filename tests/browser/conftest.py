"""Shared helpers for browser tests: real Chromium through Playwright against the live server.

Fixtures:

- ``browser``: a headless Chromium per test module (skipped when Chromium is missing, a
  failure under ``CI=true``);
- ``page``: a fresh browser context and page per test, on a live server that answers plain http;
- ``login(page, live_server, user)``: sign in through the login form.

Browser tests must use ``@pytest.mark.django_db(transaction=True)``: the live server runs in
another thread with its own database connection and sees only committed data. Tests in other
folders can use these by importing them into their own conftest.py:
``from tests.browser.conftest import browser, page, login  # noqa: F401``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from django.core.handlers.base import BaseHandler
from django.test.utils import override_settings

from tests.factories import PASSWORD

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def chromium_path() -> str:
    return os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def _missing_chromium(path: str) -> None:
    message = (
        f"Chromium was not found at {path}. Install it (Debian/Ubuntu: sudo apt-get install -y chromium) "
        f"or point CHROMIUM_PATH at a Chromium build."
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: the browser tests are required. {message}", pytrace=False)
    pytest.skip(f"BROWSER TESTS SKIPPED: {message}")


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium (Playwright sync API), shared by the tests of one module.

    Module scope: Playwright's sync API cannot be started twice at once in one thread, so a
    browser must not outlive the module that uses it.
    """
    path = chromium_path()
    if not (Path(path).is_file() and os.access(path, os.X_OK)):
        _missing_chromium(path)
    from playwright.sync_api import sync_playwright

    # The sync API keeps an event loop in the test thread; Django's ORM, called from the test
    # around it, must still be allowed.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _reload_middleware(server) -> None:
    """Rebuild the live server's middleware so it reads the current settings.

    ``SecurityMiddleware`` reads ``SECURE_SSL_REDIRECT`` once, when the server's handler is
    built; the live server is shared by the session and may already be running.
    """
    handler = server.thread.httpd.get_app()
    while handler is not None:
        if isinstance(handler, BaseHandler):
            handler.load_middleware()
        handler = getattr(handler, "application", None)


@pytest.fixture(scope="session")
def http_live_server(live_server):
    """pytest-django's live server, answering plain http even where the settings are HTTPS-only.

    Production settings redirect http to https (HTTPS_ONLY defaults to on when DEBUG is off);
    the live server has no TLS, so its middleware is rebuilt without the redirect.
    """
    with override_settings(SECURE_SSL_REDIRECT=False, SECURE_HSTS_SECONDS=0):
        _reload_middleware(live_server)
    return live_server


@pytest.fixture
def page(browser, http_live_server, settings):
    """A fresh context and page. Cookies are not marked Secure, so they travel over http."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = browser.new_context(base_url=http_live_server.url)
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
