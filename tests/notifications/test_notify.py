"""notify(): an in-app notification and an email after commit; the list page shows your own only."""

import pytest
from django.core import mail
from django.db import transaction

from apps.core.errors import ValidationFailed
from apps.notifications.models import Mute, Notification
from apps.notifications.services import mutes_set, notification_mark_read, notifications_mark_read, notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_notify_records_and_emails_after_commit(django_capture_on_commit_callbacks):
    person = UserFactory(email="erin@example.test")
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, "decisions.requested", "Your go/no-go is requested", "Please sign by Friday.", "/pocs/1/")
    note = Notification.objects.get()
    assert (note.user, note.kind, note.read_at) == (person, "decisions.requested", None)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["erin@example.test"]
    assert mail.outbox[0].subject == "[PoC Portal] Your go/no-go is requested"
    assert "Please sign by Friday." in mail.outbox[0].body and "/pocs/1/" in mail.outbox[0].body
    html, kind = mail.outbox[0].alternatives[0]
    assert kind == "text/html" and "Please sign by Friday." in html and 'href="/pocs/1/"' in html


def test_a_rolled_back_write_tells_nobody(django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                notify(person, "x", "Never sent")
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_the_list_shows_your_notifications_and_marks_them_read(client_for):
    me, other = UserFactory(), UserFactory()
    notify(me, "x", "For me")
    notify(other, "x", "For someone else")
    client = client_for(me)
    page = client.get("/notifications/").content.decode()
    assert "For me" in page and "For someone else" not in page
    assert "1 unread" in page
    assert client.post("/notifications/").status_code == 302
    assert Notification.objects.get(user=me).read_at is not None
    assert Notification.objects.get(user=other).read_at is None


def test_the_email_escapes_html_and_links_to_the_site(settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://poc.example.test"
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notify(person, "x", "Tom & <Jerry>", "Body with <b>tags</b>", "/pocs/7/")
    message = mail.outbox[0]
    assert message.subject == "[PoC Portal] Tom & <Jerry>"  # the text parts are not HTML-escaped
    assert "https://poc.example.test/pocs/7/" in message.body
    html = message.alternatives[0][0]
    assert "Tom &amp; &lt;Jerry&gt;" in html and "<b>tags</b>" not in html
    assert 'href="https://poc.example.test/pocs/7/"' in html


def test_an_occasion_is_notified_once(django_capture_on_commit_callbacks):
    person = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(person, "x", "Once", occasion="x:poc:1:2026-12-01")
        second = notify(person, "x", "Once again", occasion="x:poc:1:2026-12-01")
        other_day = notify(person, "x", "Another day", occasion="x:poc:1:2026-12-02")
    assert first is not None and second is None and other_day is not None
    assert [n.subject for n in Notification.objects.order_by("pk")] == ["Once", "Another day"]
    assert len(mail.outbox) == 2


def test_a_muted_kind_is_not_notified_but_an_unmutable_one_is(django_capture_on_commit_callbacks):
    person = UserFactory()
    mutes_set(user=person, muted=["reminders.timebox_ending"])
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(person, "reminders.timebox_ending", "Muted") is None
        assert notify(person, "reminders.timebox_passed", "Not muted") is not None
        assert notify(person, "decisions.requested", "Cannot be muted") is not None
    assert len(mail.outbox) == 2


def test_muting_an_unknown_kind_is_refused_naming_it():
    person = UserFactory()
    with pytest.raises(ValidationFailed) as refused:
        mutes_set(user=person, muted=["decisions.requested"])
    assert "decisions.requested" in refused.value.message
    assert refused.value.errors == {"muted": ["Unknown kind: decisions.requested"]}
    assert not Mute.objects.exists()


def test_the_unread_count_follows_notify_and_reading(client_for):
    me = UserFactory()
    first = notify(me, "x", "One")
    notify(me, "x", "Two")
    me.refresh_from_db()
    assert me.unread_notifications == 2
    notification_mark_read(user=me, notification_id=first.pk)
    notification_mark_read(user=me, notification_id=first.pk)  # again: harmless
    me.refresh_from_db()
    assert me.unread_notifications == 1
    notifications_mark_read(user=me)
    me.refresh_from_db()
    assert me.unread_notifications == 0


def test_the_header_shows_the_unread_count_without_a_query_of_its_own(client_for):
    me = UserFactory()
    client = client_for(me)
    assert "unread-count" not in client.get("/accounts/profile/").content.decode()
    notify(me, "x", "One")
    notify(me, "x", "Two")
    page = client.get("/accounts/profile/").content.decode()
    assert '<span class="badge unread-count">2<span class="sr-only"> unread</span></span>' in page


def test_one_notification_is_marked_read_from_the_list(client_for):
    me, other = UserFactory(), UserFactory()
    mine = notify(me, "x", "Mine")
    theirs = notify(other, "x", "Theirs")
    client = client_for(me)
    response = client.post(f"/notifications/{mine.pk}/read/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="notification-{mine.pk}"' in body and "Mark read" not in body
    assert '<a href="/notifications/" id="nav-notifications" hx-swap-oob="true">Notifications</a>' in body
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    plain = client.post(f"/notifications/{mine.pk}/read/")
    assert plain.status_code == 302 and plain["Location"].endswith(f"#notification-{mine.pk}")
