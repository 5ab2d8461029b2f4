import pytest
from rest_framework.test import APIClient

from tests.factories import make_team


@pytest.fixture
def team(db):
    """A PoC with a lead, contributor, viewer, production owner, decision-maker, and an outsider."""
    poc, people = make_team()
    return poc, people


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
