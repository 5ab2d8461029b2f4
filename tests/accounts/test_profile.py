"""The profile page: your account, your time zone, the reminders you mute, your API tokens."""

import pytest

from apps.accounts.services import token_issue
from apps.notifications.models import Mute
from apps.reminders import occasions
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_page_shows_time_zone_reminders_and_tokens(client_for):
    me = UserFactory(time_zone="Europe/Paris")
    token, _key = token_issue(user=me)
    page = client_for(me).get("/accounts/profile/").content.decode()
    assert '<option value="Europe/Paris" selected>' in page
    for label, _description in occasions.KINDS.values():
        assert label in page
    assert f"{token.prefix}…" in page


def test_setting_the_time_zone(client_for):
    me = UserFactory()
    client = client_for(me)
    response = client.post("/accounts/profile/", {"time_zone": "America/Chicago"})
    assert response.status_code == 302 and response["Location"].endswith("#time-zone")
    me.refresh_from_db()
    assert me.time_zone == "America/Chicago"


def test_a_time_zone_that_does_not_exist_is_refused_naming_the_field(client_for):
    me = UserFactory(time_zone="Europe/Paris")
    response = client_for(me).post("/accounts/profile/", {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "“Mars/Olympus” is not a time zone" in page and 'id="time_zone-error"' in page
    me.refresh_from_db()
    assert me.time_zone == "Europe/Paris"


def test_muting_and_unmuting_reminder_kinds(client_for):
    me = UserFactory()
    client = client_for(me)
    response = client.post("/notifications/mutes/", {"muted": [occasions.TIMEBOX_ENDING, occasions.JOB_FAILED]})
    assert response.status_code == 302 and response["Location"].endswith("/accounts/profile/#reminders")
    assert set(Mute.objects.filter(user=me).values_list("kind", flat=True)) == {
        occasions.TIMEBOX_ENDING,
        occasions.JOB_FAILED,
    }
    page = client.get("/accounts/profile/").content.decode()
    assert f'value="{occasions.TIMEBOX_ENDING}" id="mute-1" checked' in page
    client.post("/notifications/mutes/", {})
    assert not Mute.objects.filter(user=me).exists()


def test_muting_a_kind_that_cannot_be_muted_is_refused(client_for):
    me = UserFactory()
    response = client_for(me).post("/notifications/mutes/", {"muted": ["decisions.requested"]})
    assert response.status_code == 400 and "decisions.requested" in response.content.decode()
    assert not Mute.objects.exists()


def test_one_persons_mutes_are_not_anothers(client_for):
    me, other = UserFactory(), UserFactory()
    client_for(me).post("/notifications/mutes/", {"muted": [occasions.ITEM_OVERDUE]})
    assert not Mute.objects.filter(user=other).exists()


def test_signed_out_is_sent_to_sign_in(client):
    assert client.get("/accounts/profile/").status_code == 302
    assert client.post("/notifications/mutes/", {}).status_code == 302


def test_the_page_costs_the_same_with_more_tokens_and_mutes(client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.notifications.services import mutes_set

    me = UserFactory()
    client = client_for(me)
    token_issue(user=me)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/accounts/profile/").status_code == 200
        return len(queries)

    one = count()
    for _ in range(4):
        token_issue(user=me)
    mutes_set(user=me, muted=list(occasions.KINDS)[:3])
    assert count() == one == PROFILE_QUERIES


# The session and user, the tokens, the muted kinds.
PROFILE_QUERIES = 4
