import os
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from tests.factories import make_team


@pytest.fixture
def team(db):
    """A PoC with a lead, contributor, viewer, production owner, decision-maker, and an outsider."""
    poc, people = make_team()
    return poc, people


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploads go to a folder of the test's own, removed with it."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


@pytest.fixture
def poc(team):
    return team[0]


@pytest.fixture
def people(team):
    return team[1]


@pytest.fixture
def client_for(client):
    """A Django test client signed in as the given user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def api_for():
    def make(user):
        api = APIClient(enforce_csrf_checks=True)
        if user is not None:
            api.force_authenticate(user)
        return api

    return make


@pytest.fixture(autouse=True)
def _jobs_in_process(request):
    """Run background jobs in-process, except in tests that start a real worker."""
    from pocportal.celery import app

    if request.node.get_closest_marker("worker"):
        previous = app.conf.task_always_eager
        app.conf.task_always_eager = False
        yield
        app.conf.task_always_eager = previous
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(scope="session", autouse=True)
def _close_stray_connections(django_db_setup, django_db_blocker):
    """Close connections the live server's request threads left open, so the test database drops."""
    yield
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


# --- Real Chromium for browser tests -----------------------------------------------------------

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

    # DJANGO_ALLOW_ASYNC_UNSAFE is set by tests/environment.py: the sync API keeps an event loop
    # in the test thread, and the ORM calls around it are still synchronous.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
