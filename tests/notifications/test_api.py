"""The notifications API: your own, paginated, newest first; marking one read; the unread count in users/me."""

import pytest

from apps.accounts.models import User
from apps.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
FIELDS = {"id", "kind", "subject", "body", "url", "created_at", "read_at"}


def test_the_list_is_yours_only_newest_first_and_paginated(api_for, settings):
    me, other = UserFactory(), UserFactory()
    for n in range(3):
        notify(me, "reminders.decision_due", f"Mine {n}", "Body", f"/pocs/{n}/")
    notify(other, "x", "Theirs")
    api = api_for(me)
    body = api.get(f"{BASE}/notifications/").json()
    assert body["count"] == 3 and body["next"] is None and body["previous"] is None
    assert [n["subject"] for n in body["results"]] == ["Mine 2", "Mine 1", "Mine 0"]
    assert set(body["results"][0]) == FIELDS
    assert body["results"][0]["read_at"] is None and body["results"][0]["url"] == "/pocs/2/"
    assert api_for(other).get(f"{BASE}/notifications/").json()["count"] == 1


def test_a_long_list_comes_in_pages(api_for, settings):
    me = UserFactory()
    size = settings.REST_FRAMEWORK["PAGE_SIZE"]
    for n in range(size + 1):
        notify(me, "x", f"Note {n}")
    api = api_for(me)
    first = api.get(f"{BASE}/notifications/").json()
    assert first["count"] == size + 1 and len(first["results"]) == size and first["next"]
    second = api.get(first["next"]).json()
    assert [n["subject"] for n in second["results"]] == ["Note 0"] and second["previous"]


def test_marking_one_read_and_the_count_in_users_me(api_for):
    me, other = UserFactory(), UserFactory()
    first = notify(me, "x", "One")
    notify(me, "x", "Two")
    theirs = notify(other, "x", "Theirs")
    api = api_for(me)

    def unread():  # as a new request would load the signed-in person
        return api_for(User.objects.get(pk=me.pk)).get(f"{BASE}/users/me/").json()["unread_notifications"]

    assert unread() == 2
    response = api.post(f"{BASE}/notifications/{first.pk}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert api.post(f"{BASE}/notifications/{first.pk}/read/").status_code == 200  # again: harmless
    assert unread() == 1
    assert api.post(f"{BASE}/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_signed_out_gets_nothing(api_for):
    person = UserFactory()
    note = notify(person, "x", "One")
    anonymous = api_for(None)
    assert anonymous.get(f"{BASE}/notifications/").status_code in (401, 403)
    assert anonymous.post(f"{BASE}/notifications/{note.pk}/read/").status_code in (401, 403)


def test_the_list_costs_the_same_for_one_or_many(api_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    me = UserFactory()
    api = api_for(me)
    notify(me, "x", "One")

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"{BASE}/notifications/").status_code == 200
        return len(queries)

    one = count()
    for n in range(20):
        notify(me, "x", f"More {n}")
    assert count() == one == 2  # the page and its count


def test_marking_read_needs_the_csrf_token_with_a_session(client):
    from django.test import Client
    from rest_framework.test import APIClient

    me = UserFactory()
    note = notify(me, "x", "One")
    page = Client(enforce_csrf_checks=True)
    page.force_login(me)
    refused = page.post(f"/notifications/{note.pk}/read/")
    assert refused.status_code == 403 and b"CSRF" in refused.content
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(me)
    refused = api.post(f"{BASE}/notifications/{note.pk}/read/")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    note.refresh_from_db()
    assert note.read_at is None
