"""The activity feed stays small whatever the trail holds: values are cut in the list, whole on their own page.

The trail is append-only, so a huge value stored before the text limits (or by a raw write while
the column had no check) stays there for good. These tests store one as such a database would
hold it: the column's check is dropped inside the test's transaction, then a raw UPDATE writes a
5 MB description, which the audit trigger records like any other change.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.audit.selectors import PREVIEW_CHARS, activity_for_poc
from apps.pocs import services
from apps.pocs.models import PoC
from tests.factories import make_poc

BASE = "/api/v1"
HUGE = 5 * 1024 * 1024
SMALL_ANSWER = 100 * 1024


def store_before_the_limit(poc: PoC, **values) -> AuditEvent:
    """Write ``values`` to the PoC with raw SQL as if no limit existed, and return the recorded event."""
    table = PoC._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses to run with deferred checks pending
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' "
            "AND pg_get_constraintdef(oid) LIKE 'CHECK ((char_length(%%'",
            [table],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        columns = ", ".join(f'"{column}" = %s' for column in values)
        cursor.execute(f'UPDATE "{table}" SET {columns} WHERE id = %s', [*values.values(), poc.pk])  # noqa: S608
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return AuditEvent.objects.filter(poc_id=poc.pk).latest("id")


@pytest.fixture
def huge(poc, people):
    """A 5 MB description in the trail, then an ordinary edit of another field on the same row.

    Each later event of that row carries the whole row, so the sponsor change holds 5 MB twice.
    """
    text = "A" * 100 + "B" * (HUGE - 100)
    event = store_before_the_limit(poc, description=text)
    poc.refresh_from_db()
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Dana"}, version=poc.version)
    return event, text


def change(activity: dict, field: str) -> dict:
    return next(c for c in activity["changes"] if c["field"] == field)


def test_the_activity_list_stays_small_and_flags_what_it_cut(api_for, poc, people, huge):
    event, text = huge
    response = api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/activity/")
    assert response.status_code == 200
    assert len(response.content) < SMALL_ANSWER
    body = response.json()
    sponsor_change, description_change = body["results"][0], body["results"][1]
    assert change(sponsor_change, "sponsor_name") == {
        "field": "sponsor_name", "label": "Sponsor name", "old": "", "new": "Dana", "old_text": "—", "new_text": "Dana"
    }
    assert "description" not in {c["field"] for c in sponsor_change["changes"]}
    cut = change(description_change, "description")
    assert cut["new"] == text[:PREVIEW_CHARS] and cut["new_truncated"] is True
    assert cut["old"] == "" and "old_truncated" not in cut
    assert description_change["url"].endswith(f"/api/v1/pocs/{poc.pk}/activity/{event.pk}/")


def test_the_event_link_answers_the_whole_values(api_for, poc, people, huge):
    event, text = huge
    api = api_for(people["viewer"])
    listed = api.get(f"{BASE}/pocs/{poc.pk}/activity/").json()["results"][1]
    whole = api.get(listed["url"])
    assert whole.status_code == 200
    detail = whole.json()
    assert detail["id"] == event.pk and detail["url"] == listed["url"]
    full = change(detail, "description")
    assert full["new"] == text and "new_truncated" not in full


def test_the_event_link_follows_the_pocs_access(api_for, poc, people, huge):
    event, _ = huge
    url = f"{BASE}/pocs/{poc.pk}/activity/{event.pk}/"
    assert api_for(people["outsider"]).get(url).status_code == 404
    assert api_for(None).get(url).status_code in (401, 403)
    # An event of another PoC is not reachable through this one, even for someone who sees both.
    other = make_poc(lead=people["lead"], name="Other PoC")
    assert api_for(people["lead"]).get(f"{BASE}/pocs/{other.pk}/activity/{event.pk}/").status_code == 404
    assert api_for(people["lead"]).get(f"{BASE}/pocs/{poc.pk}/activity/999999999/").status_code == 404


def test_the_list_query_never_fetches_whole_values(api_for, poc, people, huge):
    api = api_for(people["viewer"])
    with CaptureQueriesContext(connection) as queries:
        assert api.get(f"{BASE}/pocs/{poc.pk}/activity/").status_code == 200
    selects = [q["sql"] for q in queries if 'FROM "audit_auditevent"' in q["sql"] and "COUNT(" not in q["sql"]]
    assert len(selects) == 1
    assert '"audit_auditevent"."old_data",' not in selects[0] and '"audit_auditevent"."new_data",' not in selects[0]
    # What the database sends back for the page, measured: a few KB, not the 20 MB stored in it.
    with connection.cursor() as cursor:
        cursor.execute(selects[0])
        rows = cursor.fetchall()
    fetched = sum(len(str(value)) for row in rows for value in row)
    assert len(rows) >= 3 and fetched < SMALL_ANSWER


def test_the_activity_page_stays_small_and_links_to_the_whole_change(client_for, poc, people, huge):
    event, text = huge
    client = client_for(people["viewer"])
    page = client.get(reverse("pocs:activity", args=[poc.pk]))
    assert page.status_code == 200 and len(page.content) < SMALL_ANSWER
    html = page.content.decode()
    link = reverse("pocs:activity-event", args=[poc.pk, event.pk])
    assert f'href="{link}">show all</a>' in html
    assert text[:PREVIEW_CHARS] + "…" in html and text[: PREVIEW_CHARS + 1] not in html
    whole = client.get(link)
    assert whole.status_code == 200 and text in whole.content.decode()
    assert client_for(people["outsider"]).get(link).status_code == 404


def test_the_selector_cuts_and_flags_like_the_api(poc, huge):
    _, text = huge
    description = next(c for a in activity_for_poc(poc.pk) for c in a.changes if c.field == "description")
    assert description.new == text[:PREVIEW_CHARS]
    assert (description.new_truncated, description.old_truncated) == (True, False)
