"""What deserves a reminder on a given day, and to whom: one ``Occasion`` per person and event.

Each occasion carries a key naming the event and its date or stage (the timebox's end date, the
decision's due date, the job's id), so the same event reminds once, and a new date (the timebox
moved, the due date changed) is a new occasion. Reads only: ``services.reminders_send`` writes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from apps.checklists.selectors import items_overdue
from apps.core.models import Job
from apps.pocs.models import PoC, Stage

TIMEBOX_SOON_DAYS = 7
DECISION_SOON_DAYS = 3
ESCALATE_AFTER_DAYS = 7
JOB_FAILED_LOOKBACK = datetime.timedelta(days=2)

TIMEBOX_ENDING = "reminders.timebox_ending"
TIMEBOX_PASSED = "reminders.timebox_passed"
ITEM_OVERDUE = "reminders.item_overdue"
DECISION_DUE = "reminders.decision_due"
DECISION_OVERDUE = "reminders.decision_overdue"
DECISION_ESCALATED = "reminders.decision_escalated"
JOB_FAILED = "reminders.job_failed"

# Kind -> (label, what it is), as the profile page lists them.
KINDS = {
    TIMEBOX_ENDING: (
        "Timebox ending",
        f"A PoC you lead reaches the end of its timebox within {TIMEBOX_SOON_DAYS} days.",
    ),
    TIMEBOX_PASSED: ("Timebox passed", "A PoC you lead is still open after its timebox ended."),
    ITEM_OVERDUE: ("Checklist item overdue", "A kickoff checklist item you own is past its due date."),
    DECISION_DUE: ("Decision due", f"A go/no-go you sign is due within {DECISION_SOON_DAYS} days."),
    DECISION_OVERDUE: ("Decision overdue", "A go/no-go you sign is past its due date."),
    DECISION_ESCALATED: (
        "Decision overdue, escalated",
        f"A PoC you sponsor still has no decision {ESCALATE_AFTER_DAYS} days after its due date.",
    ),
    JOB_FAILED: ("Job failed", "A background job you started (an evaluation run, a cost model, a summary) failed."),
}

# Stages in which the timebox is running (in draft there is none; awaiting a decision it is over).
TIMEBOX_STAGES = (Stage.KICKOFF, Stage.RUNNING, Stage.EVALUATING)


@dataclass(frozen=True)
class Occasion:
    user: object
    kind: str
    key: str
    subject: str
    body: str
    url: str


def _day(value: datetime.date) -> str:
    return value.strftime("%-d %b %Y")


def _days(n: int) -> str:
    return f"{n} day{'s' if n != 1 else ''}"


def timebox_end(poc: PoC) -> datetime.date | None:
    if not poc.kickoff_date or not poc.timebox_weeks:
        return None
    return poc.kickoff_date + datetime.timedelta(weeks=poc.timebox_weeks)


def timebox_occasions(today: datetime.date) -> Iterator[Occasion]:
    pocs = PoC.objects.filter(
        stage__in=TIMEBOX_STAGES, kickoff_date__isnull=False, timebox_weeks__isnull=False, lead__is_active=True
    ).select_related("lead")
    for poc in pocs.order_by("pk"):
        end = timebox_end(poc)
        url = reverse("pocs:detail", args=[poc.pk])
        left = (end - today).days
        if 0 <= left <= TIMEBOX_SOON_DAYS:
            when = "today" if left == 0 else f"in {_days(left)}, on {_day(end)}"
            yield Occasion(
                poc.lead,
                TIMEBOX_ENDING,
                f"{TIMEBOX_ENDING}:poc:{poc.pk}:{end.isoformat()}",
                f"{poc.name}: the timebox ends {when}",
                f"The {poc.timebox_weeks}-week timebox of {poc.name} ends {when}. Gather the results and ask for "
                "the go/no-go, or say why it needs longer.",
                url,
            )
        elif left < 0:
            yield Occasion(
                poc.lead,
                TIMEBOX_PASSED,
                f"{TIMEBOX_PASSED}:poc:{poc.pk}:{end.isoformat()}",
                f"{poc.name}: the timebox ended {_days(-left)} ago",
                f"The {poc.timebox_weeks}-week timebox of {poc.name} ended on {_day(end)} and the PoC is still "
                f"{poc.get_stage_display().lower()}. Long PoCs lose their sponsor: ask for the decision or "
                "justify the extra time.",
                url,
            )


def item_occasions(today: datetime.date) -> Iterator[Occasion]:
    for item in items_overdue(today):
        late = (today - item.due_date).days
        yield Occasion(
            item.owner,
            ITEM_OVERDUE,
            f"{ITEM_OVERDUE}:item:{item.pk}:{item.due_date.isoformat()}",
            f"{item.poc.name}: a checklist item you own is {_days(late)} overdue",
            f"“{item.text}” was due on {_day(item.due_date)} and is still {item.get_status_display().lower()}.",
            reverse("checklists:kickoff", args=[item.poc_id]) + f"#item-{item.pk}",
        )


def decision_occasions(today: datetime.date) -> Iterator[Occasion]:
    pocs = (
        PoC.objects.exclude(stage__in=[Stage.DRAFT, Stage.DECIDED])
        .filter(decision_due_date__isnull=False, decision_due_date__lte=today + datetime.timedelta(DECISION_SOON_DAYS))
        .select_related("decision_maker", "sponsor")
        .order_by("pk")
    )
    for poc in pocs:
        due = poc.decision_due_date
        url = reverse("pocs:detail", args=[poc.pk])
        left = (due - today).days
        maker = poc.decision_maker if poc.decision_maker and poc.decision_maker.is_active else None
        if maker and left >= 0:
            when = "today" if left == 0 else f"in {_days(left)}, on {_day(due)}"
            yield Occasion(
                maker,
                DECISION_DUE,
                f"{DECISION_DUE}:poc:{poc.pk}:{due.isoformat()}",
                f"{poc.name}: your go/no-go is due {when}",
                f"The decision on {poc.name} is due {when}. Go, no-go, or say what is missing; "
                "“we'll think about it” is not a decision.",
                url,
            )
        if maker and left < 0:
            yield Occasion(
                maker,
                DECISION_OVERDUE,
                f"{DECISION_OVERDUE}:poc:{poc.pk}:{due.isoformat()}",
                f"{poc.name}: your go/no-go is {_days(-left)} overdue",
                f"The decision on {poc.name} was due on {_day(due)}. If it is still open "
                f"{ESCALATE_AFTER_DAYS} days after that, its sponsor is told.",
                url,
            )
        sponsor = poc.sponsor if poc.sponsor and poc.sponsor.is_active else None
        # A sponsor who is also the decision-maker has been told already.
        if sponsor and sponsor.pk != poc.decision_maker_id and -left >= ESCALATE_AFTER_DAYS:
            who = poc.decision_maker.get_full_name() if poc.decision_maker else "nobody (no decision-maker is named)"
            yield Occasion(
                sponsor,
                DECISION_ESCALATED,
                f"{DECISION_ESCALATED}:poc:{poc.pk}:{due.isoformat()}",
                f"{poc.name}: the decision is {_days(-left)} overdue",
                f"You sponsor {poc.name}. Its go/no-go was due on {_day(due)} and is still open; it waits on {who}.",
                url,
            )


def job_occasions(now: datetime.datetime) -> Iterator[Occasion]:
    failed = Job.objects.filter(
        status=Job.Status.FAILED,
        created_by__isnull=False,
        created_by__is_active=True,
        finished_at__gte=now - JOB_FAILED_LOOKBACK,
    ).select_related("created_by")
    for job in failed.order_by("pk"):
        url = reverse("pocs:detail", args=[job.subject_id]) if job.subject_type == "pocs.poc" else ""
        yield Occasion(
            job.created_by,
            JOB_FAILED,
            f"{JOB_FAILED}:job:{job.pk}",
            f"A job you started failed: {job.kind}",
            f"It stopped with: {job.error or 'no message'}. Start it again once the cause is fixed.",
            url,
        )


def daily(today: datetime.date) -> Iterator[Occasion]:
    """Every occasion of day ``today`` (the failed jobs of the last two days included)."""
    yield from timebox_occasions(today)
    yield from item_occasions(today)
    yield from decision_occasions(today)
    yield from job_occasions(timezone.now())
