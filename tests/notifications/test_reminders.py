"""Reminders: each kind fires on its day, once (a re-run or a concurrent run sends nothing twice), not to
someone who muted it, and an overdue decision reaches the sponsor after 7 days.

Overdue states are written straight into the rows (services refuse dates in the past), so the tests
hold whatever the editing rules become.
"""

import datetime
import threading
import time

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction

from apps.checklists.models import ChecklistItem
from apps.core.models import Job
from apps.notifications.models import Notification
from apps.notifications.services import mutes_set, notify
from apps.pocs.models import PoC
from apps.reminders import occasions, services
from apps.reminders.models import ReminderRun
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2027, 3, 10)


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


def running(poc, **fields):
    """Put the PoC where a test needs it, directly (past dates included)."""
    PoC.objects.filter(pk=poc.pk).update(**{"stage": "running", **fields})
    return PoC.objects.get(pk=poc.pk)


def sent(user=None, kind=None):
    rows = Notification.objects.all()
    if user is not None:
        rows = rows.filter(user=user)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.order_by("pk"))


def send(day, capture):
    with capture(execute=True):
        return services.reminders_send(today=day)


def test_the_lead_hears_when_the_timebox_ends_within_a_week_once(poc, people, django_capture_on_commit_callbacks):
    running(poc, kickoff_date=days(-39), timebox_weeks=6)  # ends on days(3)
    assert send(days(-5), django_capture_on_commit_callbacks) == {}  # 8 days before: not yet
    assert send(TODAY, django_capture_on_commit_callbacks) == {occasions.TIMEBOX_ENDING: 1}
    assert send(TODAY, django_capture_on_commit_callbacks) == {}  # the scheduler ran twice
    assert send(days(1), django_capture_on_commit_callbacks) == {}  # the same end date, another day
    (note,) = sent(people["lead"], occasions.TIMEBOX_ENDING)
    assert note.subject == f"{poc.name}: the timebox ends in 3 days, on 13 Mar 2027"
    assert note.url == f"/pocs/{poc.pk}/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [people["lead"].email]
    assert "profile" in mail.outbox[0].body  # a reminder says where to mute it


def test_a_timebox_that_moved_is_a_new_occasion(poc, people, django_capture_on_commit_callbacks):
    running(poc, kickoff_date=days(-39), timebox_weeks=6)
    send(TODAY, django_capture_on_commit_callbacks)
    running(poc, timebox_weeks=7)  # ends on days(10): over a week away
    assert send(days(4), django_capture_on_commit_callbacks) == {occasions.TIMEBOX_ENDING: 1}
    assert len(sent(people["lead"], occasions.TIMEBOX_ENDING)) == 2


def test_the_lead_hears_once_that_the_timebox_passed(poc, people, django_capture_on_commit_callbacks):
    running(poc, kickoff_date=days(-44), timebox_weeks=6)  # ended 2 days ago
    assert send(TODAY, django_capture_on_commit_callbacks) == {occasions.TIMEBOX_PASSED: 1}
    assert send(days(5), django_capture_on_commit_callbacks) == {}
    (note,) = sent(people["lead"])
    assert note.subject == f"{poc.name}: the timebox ended 2 days ago"
    assert "still running" in note.body


def test_no_timebox_reminder_in_draft_or_once_decided(poc, people, django_capture_on_commit_callbacks):
    PoC.objects.filter(pk=poc.pk).update(stage="draft", kickoff_date=days(-44), timebox_weeks=6)
    assert send(TODAY, django_capture_on_commit_callbacks) == {}
    PoC.objects.filter(pk=poc.pk).update(stage="decided", decision_due_date=days(-20))
    assert send(TODAY, django_capture_on_commit_callbacks) == {}
    assert sent() == []


def test_the_owner_of_an_overdue_checklist_item_hears_once(poc, people, django_capture_on_commit_callbacks):
    running(poc)
    late, done, unowned, future = poc.checklist_items.order_by("pk")[:4]
    ChecklistItem.objects.filter(pk=late.pk).update(owner=people["contributor"], due_date=days(-3))
    ChecklistItem.objects.filter(pk=done.pk).update(owner=people["contributor"], due_date=days(-3), status="done")
    ChecklistItem.objects.filter(pk=unowned.pk).update(due_date=days(-3))
    ChecklistItem.objects.filter(pk=future.pk).update(owner=people["viewer"], due_date=TODAY)
    assert send(TODAY, django_capture_on_commit_callbacks) == {occasions.ITEM_OVERDUE: 1}
    assert send(TODAY, django_capture_on_commit_callbacks) == {}
    (note,) = sent()
    assert note.user == people["contributor"]
    assert note.subject == f"{poc.name}: a checklist item you own is 3 days overdue"
    assert late.text in note.body and note.url == f"/pocs/{poc.pk}/kickoff/#item-{late.pk}"


def test_the_decision_maker_hears_before_and_after_the_due_date(poc, people, django_capture_on_commit_callbacks):
    PoC.objects.filter(pk=poc.pk).update(stage="awaiting_decision", decision_due_date=days(2))
    assert send(days(-2), django_capture_on_commit_callbacks) == {}  # 4 days before: not yet
    assert send(TODAY, django_capture_on_commit_callbacks) == {occasions.DECISION_DUE: 1}
    assert send(days(1), django_capture_on_commit_callbacks) == {}
    assert send(days(3), django_capture_on_commit_callbacks) == {occasions.DECISION_OVERDUE: 1}
    assert send(days(4), django_capture_on_commit_callbacks) == {}
    subjects = [n.subject for n in sent(people["decision_maker"])]
    assert subjects == [
        f"{poc.name}: your go/no-go is due in 2 days, on 12 Mar 2027",
        f"{poc.name}: your go/no-go is 1 day overdue",
    ]


def test_an_overdue_decision_reaches_the_sponsor_after_seven_days(poc, people, django_capture_on_commit_callbacks):
    sponsor = UserFactory(full_name="Sam Sponsor")
    PoC.objects.filter(pk=poc.pk).update(stage="awaiting_decision", decision_due_date=TODAY, sponsor=sponsor)
    send(days(1), django_capture_on_commit_callbacks)
    assert send(days(6), django_capture_on_commit_callbacks) == {}  # 6 days late: the decision-maker only
    assert send(days(7), django_capture_on_commit_callbacks) == {occasions.DECISION_ESCALATED: 1}
    assert send(days(8), django_capture_on_commit_callbacks) == {}
    (note,) = sent(sponsor)
    assert note.kind == occasions.DECISION_ESCALATED
    assert note.subject == f"{poc.name}: the decision is 7 days overdue"
    assert people["decision_maker"].get_full_name() in note.body
    assert [n.kind for n in sent(people["decision_maker"])] == [occasions.DECISION_OVERDUE]


def test_without_a_sponsor_in_the_portal_nobody_is_escalated_to(poc, people, django_capture_on_commit_callbacks):
    PoC.objects.filter(pk=poc.pk).update(stage="awaiting_decision", decision_due_date=TODAY, sponsor_name="Board")
    assert send(days(10), django_capture_on_commit_callbacks) == {occasions.DECISION_OVERDUE: 1}


def test_whoever_started_a_failed_job_hears_once(people, django_capture_on_commit_callbacks):
    from django.utils import timezone

    job = Job.objects.create(
        kind="costs.recompute",
        created_by=people["lead"],
        status=Job.Status.FAILED,
        error="The cost model has no lines",
        finished_at=timezone.now(),
    )
    Job.objects.create(
        kind="costs.recompute", created_by=people["lead"], status=Job.Status.SUCCEEDED, finished_at=timezone.now()
    )
    Job.objects.create(kind="costs.recompute", status=Job.Status.FAILED, finished_at=timezone.now())  # nobody
    with django_capture_on_commit_callbacks(execute=True):
        assert services.failed_jobs_send() == {occasions.JOB_FAILED: 1}
        assert services.failed_jobs_send() == {}
    (note,) = sent(people["lead"])
    assert note.subject == "A job you started failed: costs.recompute"
    assert "The cost model has no lines" in note.body and note.occasion == f"{occasions.JOB_FAILED}:job:{job.pk}"


def test_a_muted_kind_is_not_sent_and_unmuting_sends_it_later(poc, people, django_capture_on_commit_callbacks):
    running(poc, kickoff_date=days(-39), timebox_weeks=6, decision_due_date=days(1))
    mutes_set(user=people["lead"], muted=[occasions.TIMEBOX_ENDING])
    assert send(TODAY, django_capture_on_commit_callbacks) == {occasions.DECISION_DUE: 1}
    assert sent(people["lead"]) == []
    mutes_set(user=people["lead"], muted=[])
    assert send(TODAY, django_capture_on_commit_callbacks) == {occasions.TIMEBOX_ENDING: 1}


def test_a_deactivated_person_gets_no_reminder(poc, people, django_capture_on_commit_callbacks):
    running(poc, kickoff_date=days(-39), timebox_weeks=6)
    people["lead"].is_active = False
    people["lead"].save()
    assert send(TODAY, django_capture_on_commit_callbacks) == {}


def test_the_command_runs_the_day_now_and_again_sends_nothing(poc, people, capsys):
    running(poc, kickoff_date=days(-39), timebox_weeks=6)
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert f"Reminders of {TODAY}: 1 sent." in capsys.readouterr().out
    call_command("send_reminders", "--date", TODAY.isoformat())
    assert f"Reminders of {TODAY}: 0 sent." in capsys.readouterr().out
    assert ReminderRun.objects.get(day=TODAY).finished_at is not None
    assert len(sent(people["lead"])) == 1


def test_the_command_names_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--date: “10/03/2027” is not a date"):
        call_command("send_reminders", "--date", "10/03/2027")


def test_the_beat_runs_the_daily_task_and_the_failed_jobs_task(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["reminders-daily"]["task"] == "reminders.daily"
    assert schedule["reminders-daily"]["schedule"].hour == {settings.REMINDERS_HOUR}
    assert schedule["reminders-failed-jobs"]["task"] == "reminders.failed_jobs"
    from apps.reminders.tasks import daily_task, failed_jobs_task

    assert (daily_task.name, failed_jobs_task.name) == ("reminders.daily", "reminders.failed_jobs")


def test_in_process_the_day_is_claimed_once_after_the_hour(settings, monkeypatch):
    """Without beat the web process starts the day's run, once per day whichever process notices first."""
    started = []
    monkeypatch.setattr(
        services.threading,
        "Thread",
        lambda target, **kw: type("T", (), {"start": lambda self: started.append(target)})(),
    )
    settings.REMINDERS_HOUR = 7
    early = datetime.datetime(2027, 3, 10, 6, 59, tzinfo=datetime.UTC)
    later = datetime.datetime(2027, 3, 10, 7, 1, tzinfo=datetime.UTC)
    assert services.run_due_in_process(early) is False
    assert services.run_due_in_process(later) is True
    assert services.run_due_in_process(later) is False  # claimed already
    assert len(started) == 1 and ReminderRun.objects.filter(day=datetime.date(2027, 3, 10)).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_an_occasion_once():
    """The second insert waits on the unique index until the first commits, then finds it there."""
    person = UserFactory()
    inserted, waiting = threading.Event(), threading.Event()
    outcomes = {}

    def first():
        try:
            with transaction.atomic():
                outcomes["first"] = notify(person, "x", "Once", occasion="x:poc:1:2027-03-10")
                inserted.set()
                waiting.wait(5)
                time.sleep(0.3)  # the second is now blocked on the index
        finally:
            connection.close()

    def second():
        try:
            inserted.wait(5)
            waiting.set()
            with transaction.atomic():
                outcomes["second"] = notify(person, "x", "Once", occasion="x:poc:1:2027-03-10")
        finally:
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert outcomes["first"] is not None and outcomes["second"] is None
    assert Notification.objects.filter(user=person).count() == 1
    person.refresh_from_db()
    assert person.unread_notifications == 1


def test_a_sponsor_who_decides_is_not_told_twice(poc, people, django_capture_on_commit_callbacks):
    PoC.objects.filter(pk=poc.pk).update(
        stage="awaiting_decision", decision_due_date=TODAY, sponsor=people["decision_maker"]
    )
    assert send(days(10), django_capture_on_commit_callbacks) == {occasions.DECISION_OVERDUE: 1}


def test_the_middleware_looks_only_when_running_in_process(settings, monkeypatch, rf):
    from apps.reminders.middleware import DailyRemindersMiddleware

    looks = []
    monkeypatch.setattr("apps.reminders.middleware.look_in_process", lambda: looks.append(1))
    settings.REMINDERS_IN_PROCESS = False
    DailyRemindersMiddleware(lambda request: "response")(rf.get("/"))
    assert looks == []
    settings.REMINDERS_IN_PROCESS = True
    assert DailyRemindersMiddleware(lambda request: "response")(rf.get("/")) == "response"
    assert looks == [1]


def test_a_process_looks_at_most_every_ten_minutes(monkeypatch):
    calls = []
    monkeypatch.setattr(services, "run_due_in_process", lambda: calls.append(1))
    monkeypatch.setattr(services, "_next_look", 0.0)
    services.look_in_process()
    services.look_in_process()
    assert calls == [1]
