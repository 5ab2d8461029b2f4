"""The Graduation page, its header badge and the notifications list cost a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.notifications.services import notify
from apps.pocs import services as poc_services

pytestmark = pytest.mark.django_db

# Measured with CaptureQueriesContext; the counts do not grow with members or notifications.
PINS = {"index": 17, "badge": 8, "notifications": 3}


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_the_graduation_page_and_badge_cost_the_same_with_more_members(client_for, poc, people):
    client = client_for(people["lead"])
    pages = [reverse("decisions:index", args=[poc.pk]), reverse("decisions:badge", args=[poc.pk])]
    before = [count(client, url) for url in pages]
    for person in ("outsider", "portfolio"):
        poc_services.membership_add(poc=poc, user=people["lead"], member=people[person], role="viewer")
    assert [count(client, url) for url in pages] == before
    assert before == [PINS["index"], PINS["badge"]]


def test_the_notifications_list_costs_the_same_with_more_notifications(client_for, people):
    client = client_for(people["lead"])
    notify(people["lead"], "test", "One", "", "")
    one = count(client, reverse("notifications:index"))
    for n in range(10):
        notify(people["lead"], "test", f"More {n}", "", "")
    assert count(client, reverse("notifications:index")) == one
    assert one == PINS["notifications"]

