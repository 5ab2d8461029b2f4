"""Reads for the kickoff page, the API, and later the report and the portfolio."""

from __future__ import annotations

from dataclasses import dataclass, field

from apps.checklists.models import (
    RESOLVED,
    Acknowledgement,
    BusinessCase,
    ChecklistItem,
    LimitKind,
    Reason,
    Status,
    ValidationKind,
    ValidationQuestion,
)
from apps.checklists.risk import HIGH, LOW, RANK, SIGNALS, Finding, RiskInputs, checklist_findings
from apps.pocs.models import PoC


@dataclass
class AcceptedRisk:
    item_id: int
    text: str
    justification: str


@dataclass
class ReasonRisk:
    """One stall reason's level, with one line on why and one on what fixes it."""

    reason: int
    label: str
    level: str
    why: str
    fix: str
    done: int
    accepted: int
    total: int
    accepted_risks: list[AcceptedRisk] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def resolved(self) -> int:
        return self.done + self.accepted


def checklist_items(poc: PoC) -> list[ChecklistItem]:
    return list(ChecklistItem.objects.filter(poc_id=poc.pk).select_related("owner"))


def items_overdue(on):
    """Items of open PoCs past their due date on day ``on``, not done or accepted, that have an owner.

    Each with its PoC and owner; the reminders read this to tell owners.
    """
    return (
        ChecklistItem.objects.filter(owner__isnull=False, owner__is_active=True, due_date__lt=on)
        .exclude(status__in=RESOLVED)
        .exclude(poc__stage__in=["draft", "decided"])
        .select_related("poc", "owner")
        .order_by("poc_id", "position", "pk")
    )


def validations(poc: PoC) -> list[ValidationQuestion]:
    rows = {v.kind: v for v in ValidationQuestion.objects.filter(poc_id=poc.pk)}
    return [rows[kind] for kind in ValidationKind.values if kind in rows]


def acknowledgements(poc: PoC) -> list[Acknowledgement]:
    rows = {a.kind: a for a in Acknowledgement.objects.filter(poc_id=poc.pk)}
    return [rows[kind] for kind in LimitKind.values if kind in rows]


def business_case(poc: PoC) -> BusinessCase | None:
    return BusinessCase.objects.filter(poc_id=poc.pk).first()


def _reason_risk(reason: int, inputs: RiskInputs) -> ReasonRisk:
    items = inputs.items_for(reason)
    signal_findings = [f for signal in SIGNALS[reason].values() for f in signal(inputs)]
    findings = signal_findings + checklist_findings(items, inputs.today)
    accepted = [i for i in items if i.status == Status.ACCEPTED_RISK]
    done = sum(1 for i in items if i.status == Status.DONE)
    if findings:
        level = max((f.level for f in findings), key=RANK.__getitem__)
        top = next(f for f in findings if f.level == level)
        why, fix = top.why, top.fix
    else:
        level = LOW
        why = f"All {len(items)} fixes done and no warning sign." if items else "No warning sign."
        fix = "Nothing to do now; keep the items current."
    return ReasonRisk(
        reason=reason, label=Reason(reason).label, level=level, why=why, fix=fix, done=done,
        accepted=len(accepted), total=len(items),
        accepted_risks=[AcceptedRisk(i.pk, i.text, i.justification) for i in accepted], findings=findings,
    )


def stall_risk(
    poc: PoC,
    *,
    items: list[ChecklistItem] | None = None,
    business_case: BusinessCase | None = None,
    validations: list[ValidationQuestion] | None = None,
) -> list[ReasonRisk]:
    """The five reasons in order, each with its level, why, fix and checklist progress.

    Rows already loaded by the caller can be handed in to save queries.
    """
    inputs = RiskInputs(
        poc=poc,
        items=items if items is not None else list(ChecklistItem.objects.filter(poc_id=poc.pk)),
        _business_case=business_case,
        _validations={v.kind: v for v in validations} if validations is not None else None,
    )
    return [_reason_risk(reason, inputs) for reason in Reason.values]


def overall_level(risks: list[ReasonRisk]) -> str:
    return max((r.level for r in risks), key=RANK.__getitem__, default=LOW)


def risk_summary(risks: list[ReasonRisk]) -> dict:
    """The badge: the highest level and how many reasons sit at it."""
    level = overall_level(risks)
    return {"level": level, "count": sum(1 for r in risks if r.level == level), "high": level == HIGH}


# The reasons' names in the header's risk strip, where there is room for a word or two.
SHORT_REASON_LABELS = {
    Reason.BUSINESS_CASE: "Business case",
    Reason.DATA: "Data",
    Reason.INTEGRATION: "Integration",
    Reason.OPS_HANDOVER: "Ops handover",
    Reason.DIRECTION: "Direction",
}


def risk_strip(risks: list[ReasonRisk]) -> list[dict]:
    """One cell per reason for the header: short name, full name, level and the one line on why."""
    return [
        {"reason": r.reason, "short": SHORT_REASON_LABELS[r.reason], "label": r.label, "level": r.level, "why": r.why}
        for r in risks
    ]


def checklist_progress(risks: list[ReasonRisk]) -> dict:
    """The whole checklist's progress, summed over the reasons (no query of its own)."""
    done = sum(r.done for r in risks)
    accepted = sum(r.accepted for r in risks)
    return {"done": done, "accepted": accepted, "resolved": done + accepted, "total": sum(r.total for r in risks)}


def risk_badge_context(poc: PoC, page_context) -> dict:
    """The header's stall-risk badge, its strip of the five reasons and the checklist's progress.

    Reuses the risks a page already computed (``stall_risks``); all three come from the same rows.
    """
    risks = page_context.get("stall_risks")
    if risks is None:
        risks = stall_risk(poc)
    return {
        "poc": poc, "summary": risk_summary(risks), "strip": risk_strip(risks),
        "checklist": checklist_progress(risks), "oob": False,
    }
