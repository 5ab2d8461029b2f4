"""The PoC's life as one table: which moves exist and what each needs.

Only ``services.poc_transition`` consults this table. Other apps add conditions to a move with
``register_guard`` from their ``AppConfig.ready`` (the kickoff checklist adds its own to
kickoff → running), and moves of their own with ``register_move`` (the decisions app adds the
early requests for a decision), so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from apps.core import display
from apps.pocs.models import LONG_TIMEBOX_WEEKS, PoC, Stage


@dataclass(frozen=True)
class Missing:
    """One unmet condition: what is missing, and where to fix it."""

    code: str
    message: str
    url: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "url": self.url}


Guard = Callable[[PoC], list[Missing]]


def _field_url(poc: PoC, field: str) -> str:
    return reverse("pocs:detail", args=[poc.pk]) + f"#field-{field}"


def kickoff_people_and_dates(poc: PoC) -> list[Missing]:
    missing = []
    for field, message in (
        ("lead", "Name the PoC lead."),
        ("production_owner", "Name the production owner: the person, not a team, who will run it in production."),
        ("decision_maker", "Name the decision-maker: the executive who will sign the go/no-go."),
    ):
        if getattr(poc, f"{field}_id") is None:
            missing.append(Missing(f"{field}_missing", message, _field_url(poc, field)))
    if not poc.timebox_weeks:
        missing.append(Missing("timebox_missing", "Set the timebox in weeks.", _field_url(poc, "timebox_weeks")))
    elif poc.timebox_weeks > LONG_TIMEBOX_WEEKS and not poc.timebox_justification.strip():
        missing.append(
            Missing(
                "timebox_justification_missing",
                f"The timebox is {poc.timebox_weeks} weeks, over {LONG_TIMEBOX_WEEKS}: "
                "write why it needs to be that long.",
                _field_url(poc, "timebox_justification"),
            )
        )
    if not poc.decision_due_date:
        missing.append(
            Missing("decision_due_date_missing", "Set the decision due date.", _field_url(poc, "decision_due_date"))
        )
    return missing


def kickoff_date_reached(poc: PoC) -> list[Missing]:
    """A PoC starts running on its kickoff date or after it, never before."""
    if poc.kickoff_date and poc.kickoff_date > timezone.localdate():
        return [
            Missing(
                "kickoff_date_in_future",
                f"The kickoff date is {display.day(poc.kickoff_date)}, which has not come yet: a PoC starts running "
                "on or after its kickoff. If it has started already, change the kickoff date.",
                _field_url(poc, "kickoff_date"),
            )
        ]
    return []


# (from, to) -> guards. A move not in this table does not exist.
TRANSITIONS: dict[tuple[str, str], list[Guard]] = {
    (Stage.DRAFT, Stage.KICKOFF): [],
    (Stage.KICKOFF, Stage.DRAFT): [],
    (Stage.KICKOFF, Stage.RUNNING): [kickoff_people_and_dates, kickoff_date_reached],
    (Stage.RUNNING, Stage.KICKOFF): [],
    (Stage.RUNNING, Stage.EVALUATING): [],
    (Stage.EVALUATING, Stage.RUNNING): [],
    (Stage.EVALUATING, Stage.AWAITING_DECISION): [],
    (Stage.AWAITING_DECISION, Stage.EVALUATING): [],
}


def register_guard(source: str, target: str, guard: Guard) -> None:
    guards = TRANSITIONS[(source, target)]
    if guard not in guards:
        guards.append(guard)


def register_move(source: str, target: str, guards: list[Guard] | tuple[Guard, ...] = ()) -> None:
    """Add the move ``source`` → ``target`` (if it is not in the table yet) with ``guards``.

    An app above ``pocs`` adds the moves it owns from its ``AppConfig.ready()`` (``decisions``
    adds kickoff → awaiting decision and running → awaiting decision), or guards an existing
    move; registering again adds only the guards not there yet. ``decided`` stays out of reach:
    only signing a decision gets there.
    """
    if Stage.DECIDED in (source, target):
        raise ValueError("decided is reached only by signing a decision, never by a stage move")
    TRANSITIONS.setdefault((source, target), [])
    for guard in guards:
        register_guard(source, target, guard)


# target stage -> what runs after a move there, inside the moving transaction: fn(poc, user).
AfterMove = Callable[[PoC, Any], None]
AFTER_MOVE: dict[str, list[AfterMove]] = {}


def register_after_move(target: str, fn: AfterMove) -> None:
    """Run ``fn(poc, user)`` after every move to ``target``, in the same transaction (an exception undoes the move).

    However the move is made (the stage panel, the API's ``transition``, another app's service),
    what belongs to it happens: ``decisions`` records the request and tells the decision-maker
    when a PoC reaches awaiting decision.
    """
    functions = AFTER_MOVE.setdefault(target, [])
    if fn not in functions:
        functions.append(fn)


def after_move(poc: PoC, user) -> None:
    for fn in AFTER_MOVE.get(poc.stage, []):
        fn(poc, user)


def next_stages(stage: str) -> list[str]:
    return [target for (source, target) in TRANSITIONS if source == stage]


def missing_for(poc: PoC, target: str) -> list[Missing]:
    """Every unmet condition for moving ``poc`` to ``target`` (empty: the move may happen)."""
    missing: list[Missing] = []
    for guard in TRANSITIONS.get((poc.stage, target), []):
        missing.extend(guard(poc))
    return missing


def is_move(source: str, target: str) -> bool:
    return (source, target) in TRANSITIONS
