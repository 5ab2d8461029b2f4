"""What a PoC's *overdue* and *decision status* mean on the portfolio, each defined once, as an ORM expression.

The ``overdue`` filter applies ``overdue`` through the ORM (``selectors.portfolio_scope``); the
portfolio's SQL statements embed the same expressions compiled (``selectors``), for a row's ``overdue`` and
``decision_status``, the sort by either and the count of decisions overdue. A change here changes
every one of them; ``tests/portfolio/test_definitions.py`` compares them, and the PoC header's
"Decision overdue" (``PoC.is_decision_overdue``), on every stage, due date and outcome.
"""

from __future__ import annotations

import datetime

from django.db.models import BooleanField, Case, CharField, Q, Value, When

from apps.pocs.models import Stage


class DecisionStatus:
    """``decided`` only for a signed PoC whose summary has not been refreshed since (its outcome unknown here)."""

    NOT_REQUESTED, AWAITING, GO, NO_GO, DECIDED = "not_requested", "awaiting", "go", "no_go", "decided"
    LABELS = {NOT_REQUESTED: "Not requested", AWAITING: "Awaiting", GO: "Go", NO_GO: "No-go", DECIDED: "Decided"}


def overdue(today: datetime.date) -> Q:
    """The decision due date is before ``today`` and the PoC has no signed decision (the stage *decided* is
    reached only by signing). Unknown (SQL null) without a due date: ``is_overdue`` reads that as false."""
    return Q(decision_due_date__lt=today) & ~Q(stage=Stage.DECIDED)


def is_overdue(today: datetime.date) -> Case:
    """``overdue`` as a column: true or false, never null."""
    return Case(When(overdue(today), then=Value(True)), default=Value(False), output_field=BooleanField())


def decision_status() -> Case:
    """``go`` or ``no_go`` once signed, as the stored summary (``portfolio_summary``) holds the outcome;
    ``decided`` for a signed PoC whose summary does not have it yet; ``awaiting`` at the stage *awaiting
    decision*; ``not_requested`` before it."""
    decided = Q(stage=Stage.DECIDED)
    return Case(
        When(decided & Q(portfolio_summary__decision_outcome=DecisionStatus.GO), then=Value(DecisionStatus.GO)),
        When(decided & Q(portfolio_summary__decision_outcome=DecisionStatus.NO_GO), then=Value(DecisionStatus.NO_GO)),
        When(decided, then=Value(DecisionStatus.DECIDED)),
        When(stage=Stage.AWAITING_DECISION, then=Value(DecisionStatus.AWAITING)),
        default=Value(DecisionStatus.NOT_REQUESTED),
        output_field=CharField(),
    )
