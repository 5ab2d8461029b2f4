"""Reads of the decisions app, and the one place the six graduation criteria are computed.

``criteria(poc)`` reads the other apps only through their selectors (evaluations' target status
and runs, the costs' stored results, the integrations' summary, the PoC's own fields); the
Graduation page, its header badge, the API, the signing service and the snapshot all read it,
and so will the portfolio and the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from django.urls import reverse

from apps.costs import selectors as costs
from apps.decisions import canonical
from apps.decisions.models import Decision, DecisionRequest, Outcome
from apps.evaluations import selectors as evaluations
from apps.integrations import selectors as integrations
from apps.pocs import snapshot as parts
from apps.pocs.models import PoC, Stage

TOTAL = 6
SENSITIVITY_SCALES = ("1", "5", "20")
SNAPSHOT_FORMAT = "pocportal.decision-snapshot/1"


@dataclass(frozen=True)
class Criterion:
    number: int
    name: str
    met: bool
    missing: str  # what is missing; empty when met
    evidence_url: str

    def as_dict(self) -> dict:
        return asdict(self)


def _quality(poc: PoC) -> tuple[bool, str]:
    status = evaluations.poc_target_status(poc)
    if status["quality"] is None:
        return False, "No quality target is set: set the metric and threshold on the Evaluations tab."
    if status["quality"] == evaluations.NOT_MEASURED:
        return False, "No model version has been scored on a production sample yet."
    if status["quality"] == evaluations.NOT_MET:
        return False, "The quality measured on the production sample is below the target."
    return True, ""


def _cost_model(poc: PoC) -> tuple[bool, str]:
    results = costs.stored_results(poc)
    if not results or not results.get("results"):
        return False, "The cost model has not been computed yet: fill it in on the Costs tab."
    rows = {str(row.get("scale")): row for row in results["results"]}
    lacking = [f"{scale}×" for scale in SENSITIVITY_SCALES if rows.get(scale) is None or "tornado" not in rows[scale]]
    if lacking:
        return False, f"The cost model has no sensitivity computed at {', '.join(lacking)} the PoC scale."
    return True, ""


def _production_owner(poc: PoC) -> tuple[bool, str]:
    missing = []
    if poc.production_owner_id is None:
        missing.append("a named production owner")
    if not (poc.production_owner_budget_line or "").strip():
        missing.append("the ops budget line")
    if missing:
        return False, f"Name {' and '.join(missing)}."
    return True, ""


def _integration(poc: PoC) -> tuple[bool, str]:
    summary = integrations.summary(poc)
    if summary["scoped"]:
        return True, ""
    messages = [m["message"] for m in summary["missing"]]
    more = f" …and {len(messages) - 3} more." if len(messages) > 3 else ""
    return False, " ".join(messages[:3]) + more


def _harness(poc: PoC) -> tuple[bool, str]:
    runs = list(evaluations.runs_for(poc).filter(dataset__is_standard=True, computed_at__isnull=False))
    if not runs:
        if not evaluations.datasets_for(poc).filter(is_standard=True).exists():
            return False, "No dataset is marked as the standard one."
        return False, "No model version has been scored on the standard dataset yet."
    for run in runs:
        try:
            stored = run.file.size if run.file else None
        except OSError:
            stored = None
        if stored is not None and stored == run.file_size:
            return True, ""
    return False, "The results file of the scored runs on the standard dataset is missing: they cannot be recomputed."


def _decision_maker(poc: PoC) -> tuple[bool, str]:
    if poc.decision_maker_id is None:
        return False, "Name the decision-maker who signs the go/no-go."
    return True, ""


def _url(name: str, poc: PoC, anchor: str = "") -> str:
    return reverse(name, args=[poc.pk]) + (f"#{anchor}" if anchor else "")


CRITERIA = (
    (1, "Quality on a representative production sample meets the target", _quality,
     lambda poc: _url("evaluations:index", poc, "targets")),
    (2, "A cost model with sensitivity at 1×, 5× and 20× is computed", _cost_model,
     lambda poc: _url("costs:index", poc)),
    (3, "A named production owner with a budget line", _production_owner,
     lambda poc: _url("pocs:detail", poc, "field-production_owner")),
    (4, "Integration architecture scoped: every integration and concern owned, estimated, agreed", _integration,
     lambda poc: _url("integrations:index", poc)),
    (5, "An evaluation harness: a standard dataset scored for a model version, recomputable from its file",
     _harness, lambda poc: _url("evaluations:index", poc)),
    (6, "A named decision-maker", _decision_maker, lambda poc: _url("pocs:detail", poc, "field-decision_maker")),
)


def criteria(poc: PoC, *, fresh: bool = False) -> list[Criterion]:
    """The six criteria, each met or not, with what is missing and where the evidence is.

    Remembered on ``poc`` for the request (the page and its header badge share it); ``fresh``
    computes them again (the signing service, under the PoC's lock).
    """
    cached = None if fresh else poc.__dict__.get("_graduation_criteria")
    if cached is not None:
        return cached
    found = []
    for number, name, check, evidence in CRITERIA:
        met, missing = check(poc)
        found.append(Criterion(number, name, met, missing, evidence(poc)))
    poc.__dict__["_graduation_criteria"] = found
    return found


def met_count(found: list[Criterion]) -> int:
    return sum(1 for c in found if c.met)


def unmet(found: list[Criterion]) -> list[Criterion]:
    return [c for c in found if not c.met]


# --- The snapshot ----------------------------------------------------------------------------------


def snapshot_document(poc: PoC, found: list[Criterion] | None = None) -> dict:
    """What signing freezes: the PoC, the criteria and every part the apps registered."""
    found = criteria(poc) if found is None else found
    return {
        "format": SNAPSHOT_FORMAT,
        "criteria": [c.as_dict() for c in found],
        "criteria_met": met_count(found),
        **parts.collect(poc),
    }


def snapshot_bytes(poc: PoC, found: list[Criterion] | None = None) -> bytes:
    return canonical.dumps(snapshot_document(poc, found))


def current_snapshot_sha256(poc: PoC) -> str:
    """The SHA-256 of what signing would freeze now."""
    return canonical.sha256(snapshot_bytes(poc))


# --- The decision ------------------------------------------------------------------------------------


def decision_for(poc: PoC) -> Decision | None:
    return Decision.objects.filter(poc_id=poc.pk).select_related("snapshot").first()


def signature_of(decision: Decision):
    """The decision's signature (the first, should the record have been tampered with)."""
    return decision.signatures.select_related("signer").order_by("id").first()


def latest_request(poc: PoC) -> DecisionRequest | None:
    return DecisionRequest.objects.filter(poc_id=poc.pk).select_related("decision_maker").first()


def person(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name()}


def meaning(outcome: str, poc: PoC) -> str:
    if outcome == Outcome.GO:
        return f"Approves production deployment of {poc.name}"
    return f"Declines production deployment of {poc.name}"


def decision_body(poc: PoC) -> dict:
    """The API's ``decision/`` body (see the README's "Decisions")."""
    decision = decision_for(poc)
    if decision is not None:
        signature = signature_of(decision)
        return {
            "status": "signed",
            "outcome": decision.outcome,
            "rationale": decision.rationale,
            "conditions": decision.conditions,
            "signed_by": person(signature.signer) if signature else None,
            "signed_at": signature.signed_at.isoformat() if signature else None,
            "time_zone": signature.time_zone if signature else None,
            "meaning": signature.meaning if signature else None,
            "snapshot_sha256": signature.snapshot_sha256 if signature else None,
        }
    found = criteria(poc)
    return {
        "status": "awaiting" if poc.stage == Stage.AWAITING_DECISION else "not_requested",
        "due_date": poc.decision_due_date.isoformat() if poc.decision_due_date else None,
        "decision_maker": person(poc.decision_maker),
        "criteria_met": met_count(found),
        "snapshot_sha256": canonical.sha256(snapshot_bytes(poc, found)),
    }


def badge_context(poc: PoC, page_context) -> dict:
    """The header's badge: n/6 when the page already computed the criteria (else loaded after the page),
    and the decision due date while a decision is awaited."""
    found = poc.__dict__.get("_graduation_criteria")
    return {"poc": poc, "met": met_count(found) if found is not None else None, "total": TOTAL,
            "awaiting": poc.stage == Stage.AWAITING_DECISION}
