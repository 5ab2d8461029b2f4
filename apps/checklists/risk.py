"""Stall-risk rules: findings from the checklist and from live signals, and how they combine.

A reason's level is the highest level among its findings; with no finding it is low. Its
"why" and "fix" come from the first finding at that level, live signals before checklist
findings (they say more precisely what is wrong).

Live signals are functions registered per reason under a name. Apps that come later (quality
evaluations, integrations) register theirs from ``AppConfig.ready``; registering under an
existing name replaces that signal, so a measured signal can take over from a planned one.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils import timezone

from apps.checklists.models import BusinessCase, ChecklistItem, Reason, Status, ValidationKind, ValidationQuestion
from apps.pocs.models import LONG_TIMEBOX_WEEKS, PoC

LOW, MEDIUM, HIGH = "low", "medium", "high"
RANK = {LOW: 0, MEDIUM: 1, HIGH: 2}
PRODUCTION_SAMPLE_KEY = "production-sample"


@dataclass(frozen=True)
class Finding:
    level: str
    why: str
    fix: str
    source: str = "checklist"


@dataclass
class RiskInputs:
    """What the rules look at. Rows not handed in are loaded on first use, once."""

    poc: PoC
    items: list[ChecklistItem]
    _business_case: BusinessCase | None = None
    _validations: dict[str, ValidationQuestion] | None = None
    today: datetime.date = field(default_factory=timezone.localdate)

    @cached_property
    def business_case(self) -> BusinessCase | None:
        if self._business_case is not None:
            return self._business_case
        return BusinessCase.objects.filter(poc_id=self.poc.pk).first()

    @cached_property
    def validations(self) -> dict[str, ValidationQuestion]:
        if self._validations is not None:
            return self._validations
        return {v.kind: v for v in ValidationQuestion.objects.filter(poc_id=self.poc.pk)}

    def items_for(self, reason: int) -> list[ChecklistItem]:
        return [item for item in self.items if item.reason == reason]


Signal = Callable[[RiskInputs], list[Finding]]
SIGNALS: dict[int, dict[str, Signal]] = {reason: {} for reason in Reason.values}


def register_signal(reason: int, name: str, signal: Signal) -> None:
    """Add a live signal to ``reason`` (1–5); a signal registered under the same name is replaced."""
    SIGNALS[int(reason)][name] = signal


def _short(text: str) -> str:
    return text.rstrip(".")


def checklist_findings(items: list[ChecklistItem], today: datetime.date) -> list[Finding]:
    """Overdue open items are high; open items or accepted risks are medium."""
    open_items = [i for i in items if i.status in (Status.OPEN, Status.IN_PROGRESS)]
    overdue = [i for i in open_items if i.due_date and i.due_date < today]
    accepted = [i for i in items if i.status == Status.ACCEPTED_RISK]
    findings = []
    if overdue:
        findings.append(Finding(
            HIGH, f"{len(overdue)} open fix{'es are' if len(overdue) > 1 else ' is'} past the due date.",
            f"Finish or re-plan “{_short(overdue[0].text)}”.",
        ))
    if open_items:
        findings.append(Finding(
            MEDIUM, f"{len(open_items)} of {len(items)} fixes still open.", f"Next: “{_short(open_items[0].text)}”.",
        ))
    if accepted:
        findings.append(Finding(
            MEDIUM, f"{len(accepted)} risk{'s' if len(accepted) > 1 else ''} accepted rather than fixed.",
            f"Revisit the accepted risk “{_short(accepted[0].text)}” if circumstances change.",
        ))
    return findings


# --- Built-in live signals ---------------------------------------------------------------------


def economics_threshold(inputs: RiskInputs) -> list[Finding]:
    case = inputs.business_case
    if case is None or not case.has_threshold:
        return [Finding(
            HIGH, "Nobody has said what production may cost for the deployment to pay off.",
            "Set the maximum cost per unit or per month in the business case.", "economics",
        )]
    if not case.has_value:
        return [Finding(
            MEDIUM, "The cost ceiling is set but not the value it buys.",
            "Add the value per successful unit or the monthly benefit to the business case.", "economics",
        )]
    return []


def production_sample_planned(inputs: RiskInputs) -> list[Finding]:
    planned = [i for i in inputs.items if i.key == PRODUCTION_SAMPLE_KEY]
    if planned and not any(i.status == Status.DONE for i in planned):
        return [Finding(
            HIGH, "No representative sample of production data is planned yet.",
            "Plan a sample drawn from real production traffic, long tail included, and evaluate on it.",
            "production_sample",
        )]
    return []


def quality_target(inputs: RiskInputs) -> list[Finding]:
    quality = inputs.validations.get(ValidationKind.QUALITY)
    if quality is None or not quality.target:
        return [Finding(
            MEDIUM, "No quality target, so no sample can show the model is good enough.",
            "Write the quality target in the validation questions, e.g. macro-F1 ≥ 0.85 on the production sample.",
            "quality_target",
        )]
    return []


def production_owner_involved(inputs: RiskInputs) -> list[Finding]:
    if inputs.poc.production_owner_id is None:
        return [Finding(
            HIGH, "No production owner is named.",
            "Name the person who will run the system in production, on the Overview.", "production_owner",
        )]
    ops = inputs.items_for(Reason.OPS_HANDOVER)
    done = sum(1 for i in ops if i.status == Status.DONE)
    if done < len(ops):
        return [Finding(
            MEDIUM, f"The production owner is named but not yet involved ({done} of {len(ops)} handover fixes done).",
            "Bring the production owner into the PoC and finish the ops handover items.", "production_owner",
        )]
    return []


def timebox(inputs: RiskInputs) -> list[Finding]:
    poc = inputs.poc
    findings = []
    if poc.decision_due_date and poc.is_decision_overdue:
        findings.append(Finding(
            HIGH, f"The decision was due on {poc.decision_due_date:%d %b %Y} and has not been made.",
            "Get the go/no-go signed by the named decision-maker now.", "timebox",
        ))
    if poc.is_past_timebox:
        findings.append(Finding(
            HIGH, f"Week {poc.elapsed_weeks} of a {poc.timebox_weeks}-week timebox: past the end.",
            "Stop adding scope: move to evaluation and book the decision.", "timebox",
        ))
    if poc.timebox_weeks and poc.timebox_weeks > LONG_TIMEBOX_WEEKS:
        if poc.timebox_justification.strip():
            findings.append(Finding(
                MEDIUM, f"A {poc.timebox_weeks}-week timebox, longer than {LONG_TIMEBOX_WEEKS}, with a reason given.",
                f"Look for a way to cut it to {LONG_TIMEBOX_WEEKS} weeks or fewer.", "timebox",
            ))
        else:
            findings.append(Finding(
                HIGH, f"A {poc.timebox_weeks}-week timebox, longer than {LONG_TIMEBOX_WEEKS}, with no reason given.",
                f"Shorten the timebox to {LONG_TIMEBOX_WEEKS} weeks or fewer, or write why it must be longer.",
                "timebox",
            ))
    if not poc.timebox_weeks:
        findings.append(Finding(
            MEDIUM, "No timebox is set.", "Set a timebox of six to eight weeks on the Overview.", "timebox",
        ))
    if not poc.decision_due_date:
        findings.append(Finding(
            MEDIUM, "No decision date is set.", "Set the go/no-go date on the Overview.", "timebox",
        ))
    return findings


register_signal(Reason.BUSINESS_CASE, "economics", economics_threshold)
register_signal(Reason.DATA, "production_sample", production_sample_planned)
register_signal(Reason.DATA, "quality_target", quality_target)
register_signal(Reason.OPS_HANDOVER, "production_owner", production_owner_involved)
register_signal(Reason.DIRECTION, "timebox", timebox)
