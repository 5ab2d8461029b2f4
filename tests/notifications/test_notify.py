"""notify(): an in-app notification and an email after commit; the list page shows your own only."""

import pytest
from django.core import mail
from django.db import transaction

from apps.notifications.models import Notification
from apps.notifications.services import notify
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
    assert mail.outbox[0].subject == "Your go/no-go is requested"
    assert "Please sign by Friday." in mail.outbox[0].body and "/pocs/1/" in mail.outbox[0].body


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
