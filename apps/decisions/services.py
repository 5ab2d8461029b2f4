"""Writes of the decisions app: asking for a decision, and signing it.

Both refuse a decided PoC: a decided PoC is final, and signing is the one write that makes a PoC
decided (it moves the PoC to ``decided`` in the transaction that stores the signature).
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.context import audited
from apps.core.errors import ValidationFailed
from apps.decisions import canonical, selectors
from apps.decisions.hooks import on_sign_hooks
from apps.decisions.models import Decision, DecisionRequest, Outcome, SignAttempt, Signature, Snapshot
from apps.decisions.record import record_sha256
from apps.notifications.services import notify
from apps.pocs import access
from apps.pocs.models import PoC, Stage
from apps.pocs.services import check_open, poc_transition
from apps.pocs.signals import inputs_changed

ALREADY_DECIDED = "This PoC is decided: a decided PoC cannot be changed, and its decision is already signed."


class SignConflict(ValidationFailed):
    """Signing refused because of the state of things (409): already signed, stale evidence, Go below 6/6."""

    status_code = 409


def _graduation_url(poc: PoC) -> str:
    return reverse("decisions:index", args=[poc.pk])


def decision_request(*, poc: PoC, user: User) -> DecisionRequest:
    """Move the PoC to awaiting decision (from kickoff, running or evaluating) and tell the decision-maker.

    Needs ``manage`` (the lead, or an administrator); the move's guards need a named decision-maker
    and a decision due date (a refusal answers 400 with ``missing``). The request row and the
    notification come from ``decision_request_record``, which runs after every move to awaiting
    decision — the stage panel's and the API's ``transition`` too.
    """
    access.check(poc, user, access.MANAGE)
    check_open(poc)
    if poc.stage == Stage.AWAITING_DECISION:
        raise ValidationFailed("A decision is already awaited on this PoC.", errors={"stage": ["Already awaiting."]})
    with audited(user):
        poc = poc_transition(poc=poc, user=user, to=Stage.AWAITING_DECISION)
    return DecisionRequest.objects.filter(poc=poc).latest("pk")


def decision_request_record(*, poc: PoC, user: User) -> DecisionRequest:
    """Record that ``user`` asked for the decision and notify the decision-maker (runs inside the move)."""
    check_open(poc)
    with audited(user):
        found = selectors.criteria(poc, fresh=True)
        row = DecisionRequest.objects.create(
            poc=poc, requested_by=user, decision_maker=poc.decision_maker, due_date=poc.decision_due_date,
            criteria_met=selectors.met_count(found),
        )
        notify(
            poc.decision_maker, "decisions.requested", f"Your go/no-go is requested on {poc.name}",
            f"{user.get_full_name()} asks you to sign the go/no-go on {poc.name} by "
            f"{poc.decision_due_date:%d %B %Y}. {selectors.met_count(found)} of {selectors.TOTAL} graduation "
            "criteria are met.",
            reverse("decisions:sign", args=[poc.pk]),
        )
    return row


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(settings.TIME_ZONE)


def _refuse_password(*, poc: PoC, user: User, request, reason: str) -> None:
    """Keep the refused attempt (audited) and tell the decision-maker, in a transaction of its own."""
    with audited(user, {"source": "decision_sign", "refused": reason}):
        SignAttempt.objects.create(poc=poc, user=user, reason=reason,
                                   address=(request.META.get("REMOTE_ADDR", "") if request else "")[:64])
        if poc.decision_maker_id is not None:
            notify(
                poc.decision_maker, "decisions.sign_refused", f"A signing attempt on {poc.name} was refused",
                f"Someone signed in as {user.email} tried to sign the go/no-go on {poc.name} at "
                f"{timezone.now():%Y-%m-%d %H:%M} UTC and was refused: {reason}. If this was not you, change "
                "your password.",
                _graduation_url(poc),
            )


def _check_password(*, poc: PoC, user: User, request, password: str) -> None:
    """Re-authenticate through the sign-in backends, so a wrong password counts toward the lockout."""
    signer = authenticate(request, email=user.email, password=password)
    if signer is not None and signer.pk == user.pk:
        return
    locked = bool(getattr(request, "axes_locked_out", False))
    reason = "too many failed attempts (locked out)" if locked else "wrong password"
    _refuse_password(poc=poc, user=user, request=request, reason=reason)
    if locked:
        raise PermissionDenied("Too many failed attempts: signing is locked for a few minutes. Nothing was signed.")
    raise PermissionDenied("The password is wrong. Nothing was signed.")


def _validate(outcome: str, rationale: str, conditions: str) -> tuple[str, str, str]:
    outcome = (outcome or "").strip()
    rationale = (rationale or "").strip()
    conditions = (conditions or "").strip()
    errors: dict[str, list[str]] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = ["Choose go or no_go."]
    if not rationale:
        errors["rationale"] = ["Write the rationale."]
    if outcome == Outcome.NO_GO and conditions:
        errors["conditions"] = ["Conditions go with a Go only."]
    for field, value in (("rationale", rationale), ("conditions", conditions)):
        limit = Decision._meta.get_field(field).max_length
        if len(value) > limit:
            errors[field] = [f"At most {limit:,} characters ({len(value):,} written)."]
    if errors:
        raise ValidationFailed(" ".join(f"{field}: {msgs[0]}" for field, msgs in errors.items()), errors=errors)
    return outcome, rationale, conditions


def decision_sign(
    *, poc: PoC, user: User, request, password: str, outcome: str, rationale: str, conditions: str = "",
    snapshot_sha256: str,
) -> Decision:
    """Sign the go/no-go as the PoC's named decision-maker, after re-entering the password.

    Refused with 403 for anyone else (admins included) and for a wrong password (counted toward the
    sign-in lockout, kept as a ``SignAttempt`` and told to the decision-maker); 400 for an outcome
    other than go / no_go or no rationale; 409 when already signed, when the evidence changed since
    the signer read it (``snapshot_sha256``), or for a Go with criteria unmet (named). Otherwise, in
    one transaction under the PoC's lock: the decision, its snapshot (canonical JSON and SHA-256) and
    signature are stored, the PoC moves to decided, and every "on signing" hook runs.
    """
    access.check(poc, user, access.SIGN)
    if poc.stage == Stage.DECIDED:
        raise SignConflict(ALREADY_DECIDED)
    outcome, rationale, conditions = _validate(outcome, rationale, conditions)
    if not snapshot_sha256:
        raise ValidationFailed("snapshot_sha256: send the hash of the evidence you read.",
                               errors={"snapshot_sha256": ["This field is required."]})
    _check_password(poc=poc, user=user, request=request, password=password or "")
    try:
        with audited(user, {"source": "decision_sign"}):
            locked = PoC.objects.select_for_update(of=("self",)).select_related("decision_maker").get(pk=poc.pk)
            if locked.stage == Stage.DECIDED or Decision.objects.filter(poc_id=locked.pk).exists():
                raise SignConflict(ALREADY_DECIDED)
            if locked.decision_maker_id != user.pk:
                raise PermissionDenied(access.REFUSALS[access.SIGN])
            if locked.stage != Stage.AWAITING_DECISION:
                raise SignConflict("No decision has been requested on this PoC yet: the lead requests it first.",
                                   errors={"stage": ["Not awaiting a decision."]})
            found = selectors.criteria(locked, fresh=True)
            content = selectors.snapshot_bytes(locked, found)
            digest = canonical.sha256(content)
            if digest != snapshot_sha256.strip().lower():
                raise SignConflict(
                    "The evidence changed since you read it: read the decision page again before signing.",
                    errors={"snapshot_sha256": [digest]},
                )
            unmet = selectors.unmet(found)
            if outcome == Outcome.GO and unmet:
                names = "; ".join(f"{c.number}. {c.name}" for c in unmet)
                raise SignConflict(
                    f"Go needs all {selectors.TOTAL} criteria met; not met: {names}.",
                    errors={"unmet": [f"{c.number}. {c.name}" for c in unmet]},
                )
            decision = _store(locked, user, outcome, rationale, conditions, found, content, digest)
            for hook in on_sign_hooks():
                hook.fn(decision, content)
            notify(
                locked.lead or user, "decisions.signed",
                f"{decision.get_outcome_display()} signed on {locked.name}",
                f"{user.get_full_name()} signed a {decision.get_outcome_display()} on {locked.name}: "
                f"{selectors.meaning(outcome, locked)}.",
                _graduation_url(locked),
            )
    except IntegrityError as exc:  # the unique decision per PoC: another signature got there first
        if getattr(exc.__cause__, "sqlstate", None) == "23505":
            raise SignConflict(ALREADY_DECIDED) from exc
        raise
    poc.stage, poc.version = locked.stage, locked.version
    return decision


def _store(poc: PoC, user: User, outcome, rationale, conditions, found, content: bytes, digest: str) -> Decision:
    now = timezone.now().replace(microsecond=0)
    unmet = selectors.unmet(found)
    request = selectors.latest_request(poc)
    decision = Decision.objects.create(
        poc=poc, request=request, outcome=outcome, rationale=rationale, conditions=conditions,
        criteria_met=selectors.met_count(found), unmet=[f"{c.number}. {c.name}" for c in unmet], created_at=now,
    )
    Snapshot.objects.create(decision=decision, poc=poc, content=content, sha256=digest)
    zone = _zone(user.time_zone)
    local = now.astimezone(zone)
    signature = Signature(
        decision=decision, poc=poc, signer=user, printed_name=user.get_full_name(), signer_title=user.title,
        signed_at=now, time_zone=zone.key, local_time=f"{local:%Y-%m-%d %H:%M %Z} ({zone.key})",
        meaning=selectors.meaning(outcome, poc)[:500], snapshot_sha256=digest,
    )
    signature.record_sha256 = record_sha256(decision, signature)
    signature.save()
    poc.stage = Stage.DECIDED
    poc.stage_changed_at = now
    poc.version += 1
    poc.save(update_fields=["stage", "stage_changed_at", "version", "updated_at"])
    inputs_changed(poc.pk)
    return decision
