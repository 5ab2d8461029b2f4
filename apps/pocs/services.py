"""Every change to a PoC or its people goes through one of these functions.

Each checks permission, validates, writes inside one transaction attributed to the acting user
(the audit triggers record the change) and schedules follow-up work after commit. Pages and
the API call the same functions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.context import audited
from apps.core import display
from apps.core.errors import TransitionRefused, ValidationFailed
from apps.core.versioning import assign, check_fields, refuse, validate, versioned_update
from apps.pocs import access, stages
from apps.pocs.models import EDITABLE_FIELDS, PEOPLE_FIELDS, UNSTRIPPED_FIELDS, Membership, PoC, Stage
from apps.pocs.signals import inputs_changed, poc_created

ALL_FIELDS = tuple(EDITABLE_FIELDS)


def check_open(poc: PoC) -> None:
    """Refuse any write to a decided PoC: its record is final, for everyone, admins included."""
    if poc.stage == Stage.DECIDED:
        raise ValidationFailed("A decided PoC cannot be changed.")


def field_value(poc: PoC, field: str) -> Any:
    """A field's value as the API shows it (ids for people and units)."""
    if field in PEOPLE_FIELDS or field == "business_unit":
        return getattr(poc, f"{field}_id")
    value = getattr(poc, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def poc_snapshot(poc: PoC) -> dict[str, Any]:
    """The editable state of a PoC as the API shows it."""
    return {field: field_value(poc, field) for field in ALL_FIELDS}


def _date(row: PoC, field: str):
    """The field's date as the model reads it, or None when empty or unreadable (``validate`` names that)."""
    try:
        return row._meta.get_field(field).to_python(getattr(row, field))
    except DjangoValidationError:
        return None


def _check_dates(row: PoC, changed: Iterable[str], *, decision_before=None) -> None:
    """The PoC's dates make sense: the decision is due on or after kickoff, and a decision date that is
    set or moved is not in the past (one already past stays, so an overdue PoC can still be edited).

    The error names the field that was changed, with the date it is held against.
    """
    changed = set(changed)
    kickoff, decision = _date(row, "kickoff_date"), _date(row, "decision_due_date")
    today = timezone.localdate()
    if "decision_due_date" in changed and decision and decision != decision_before and decision < today:
        raise refuse("decision_due_date", f"The decision date cannot be in the past (today is {display.day(today)}).")
    if kickoff and decision and decision < kickoff:
        if "decision_due_date" in changed:
            raise refuse(
                "decision_due_date",
                f"The decision cannot be due before the kickoff date ({display.day(kickoff)}).",
            )
        if "kickoff_date" in changed:
            raise refuse(
                "kickoff_date",
                f"The kickoff date cannot be after the decision due date ({display.day(decision)}); "
                "move the decision date first.",
            )


def poc_create(*, user: User, name: str, previous_attempt: PoC | None = None, **fields: Any) -> PoC:
    """Create a PoC in draft. Its creator leads it unless someone else is named.

    ``previous_attempt`` (set only by ``poc_new_attempt``) links it to the decided PoC it tries again.
    """
    check_fields(fields, ALL_FIELDS)
    poc = PoC(name=(name or "").strip(), created_by=user, stage=Stage.DRAFT, previous_attempt=previous_attempt)
    for field, value in fields.items():
        assign(poc, field, value, strip=field not in UNSTRIPPED_FIELDS)
    if poc.lead_id is None:
        poc.lead = user
    _check_dates(poc, fields)
    validate(poc, ["name", *fields, "lead"])
    with audited(user):
        poc.save()
        poc_created.send(sender=PoC, poc=poc, user=user)
        inputs_changed(poc.pk)
    return poc


# What a new attempt carries over from the decided PoC it follows: who it is for and who decides,
# not what was measured (the new attempt starts its own kickoff, runs and costs from nothing).
ATTEMPT_CARRIES = ("description", "business_unit", "sponsor", "sponsor_name", "production_owner",
                   "production_owner_budget_line", "decision_maker")


def poc_new_attempt(*, poc: PoC, user: User, name: str = "") -> PoC:
    """Start a new PoC in draft that follows the decided ``poc``, which itself stays exactly as signed.

    Only a decided PoC can be tried again (an open one is changed in place), by someone who may
    manage it; the person starting the attempt leads it.
    """
    access.check(poc, user, access.MANAGE)
    if poc.stage != Stage.DECIDED:
        raise ValidationFailed(
            "Only a decided PoC can be tried again; an open PoC is changed in place.",
            errors={"previous_attempt": ["Not decided yet."]},
        )
    fields = {field: field_value(poc, field) for field in ATTEMPT_CARRIES}
    new = poc_create(user=user, name=(name or "").strip() or f"{poc.name} (new attempt)", previous_attempt=poc,
                     **fields)
    return new


def poc_update(*, poc: PoC, user: User, changes: dict[str, Any], version: int | None) -> PoC:
    """Apply ``changes`` if ``version`` is still the PoC's version; otherwise ConflictError (409).

    Each field needs its right (``access.required_action``): people and the sponsor need
    ``manage``, the timebox justification ``justify``, the rest ``edit``. Nothing is written
    when anything is refused.
    """
    check_fields(changes, ALL_FIELDS)
    for action in dict.fromkeys(access.required_action(field) for field in changes):
        access.check(poc, user, action)
    check_open(poc)

    def apply(row: PoC, changes: dict[str, Any]) -> list[str]:
        check_open(row)  # read again under the lock: a decision signed meanwhile wins
        decision_before = row.decision_due_date
        for field, value in changes.items():
            assign(row, field, value, strip=field not in UNSTRIPPED_FIELDS)
        _check_dates(row, changes, decision_before=decision_before)
        inputs_changed(row.pk)
        return list(changes)

    return versioned_update(
        obj=poc, user=user, changes=changes, version=version, apply=apply, what="PoC",
        snapshot=lambda row: {field: field_value(row, field) for field in changes},
    )


def poc_transition(*, poc: PoC, user: User, to: str) -> PoC:
    """Move the PoC to stage ``to`` if the move exists and every guard holds."""
    access.check(poc, user, access.MANAGE)
    check_open(poc)  # decided is final: only signing reaches it, nothing leaves it
    if to not in Stage.values:
        raise ValidationFailed(
            f"'{to}' is not a stage. Stages: {', '.join(Stage.values)}.", errors={"to": ["Unknown stage."]}
        )

    def move(current: PoC, _changes) -> list[str]:
        check_open(current)  # read again under the lock: a decision signed meanwhile wins
        if not stages.is_move(current.stage, to):
            allowed = ", ".join(Stage(stage).label for stage in stages.next_stages(current.stage)) or "none"
            raise ValidationFailed(
                f"A PoC cannot move from {current.get_stage_display()} to {Stage(to).label}. Allowed: {allowed}.",
                errors={"to": ["Not an allowed move."]},
            )
        missing = stages.missing_for(current, to)
        if missing:
            shown = " ".join(item.message for item in missing[:3])
            more = f" …and {len(missing) - 3} more." if len(missing) > 3 else ""
            raise TransitionRefused(
                f"{Stage(current.stage).label} → {Stage(to).label} refused, "
                f"{len(missing)} condition{'s' if len(missing) > 1 else ''} missing: {shown}{more}",
                missing=[item.as_dict() for item in missing],
            )
        fields = ["stage", "stage_changed_at"]
        if to == Stage.KICKOFF and current.kickoff_date is None:
            current.kickoff_date = timezone.localdate()
            fields.append("kickoff_date")
        current.stage = to
        current.stage_changed_at = timezone.now()
        inputs_changed(current.pk)
        return fields

    with audited(user), transaction.atomic():
        moved = versioned_update(
            obj=poc, user=user, changes={}, version=None, check_version=False, apply=move, what="PoC",
            snapshot=poc_snapshot,
        )
        stages.after_move(moved, user)  # what belongs to reaching this stage, however the move was made
    return moved


def membership_add(*, poc: PoC, user: User, member: User, role: str) -> Membership:
    access.check(poc, user, access.MANAGE)
    check_open(poc)
    if role not in Membership.Role.values:
        raise ValidationFailed(
            f"role: '{role}' is not a member role; use contributor or viewer.", errors={"role": ["Invalid role."]}
        )
    if not member.is_active:
        raise ValidationFailed("user: this account is deactivated.", errors={"user": ["Inactive user."]})
    already = ValidationFailed(
        f"user: {member} is already a member of this PoC.", errors={"user": ["Already a member."]}
    )
    with audited(user):
        if Membership.objects.filter(poc=poc, user=member).exists():
            raise already
        try:
            # A concurrent add of the same person passes the check above too; the unique constraint
            # refuses the second insert, inside a savepoint so this transaction stays usable.
            with transaction.atomic():
                return Membership.objects.create(poc=poc, user=member, role=role, added_by=user)
        except IntegrityError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == "23505":  # unique_violation
                raise already from exc
            raise


def membership_update(*, membership: Membership, user: User, role: str) -> Membership:
    access.check(membership.poc, user, access.MANAGE)
    check_open(membership.poc)
    if role not in Membership.Role.values:
        raise ValidationFailed(
            f"role: '{role}' is not a member role; use contributor or viewer.", errors={"role": ["Invalid role."]}
        )
    with audited(user):
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def membership_remove(*, membership: Membership, user: User) -> None:
    access.check(membership.poc, user, access.MANAGE)
    check_open(membership.poc)
    with audited(user):
        membership.delete()


def poc_summary_compute(*, poc_id: int) -> dict[str, Any]:
    """A snapshot of where the PoC stands: people, time, and what blocks the next move."""
    from apps.audit.selectors import event_count

    poc = PoC.objects.get(pk=poc_id)
    forward = [s for s in stages.next_stages(poc.stage) if Stage.values.index(s) > Stage.values.index(poc.stage)]
    blocking = [m.message for target in forward for m in stages.missing_for(poc, target)]
    return {
        "stage": poc.stage,
        "members": Membership.objects.filter(poc=poc).count(),
        "named_people": sum(1 for f in PEOPLE_FIELDS if getattr(poc, f"{f}_id")),
        "elapsed_weeks": poc.elapsed_weeks,
        "timebox_weeks": poc.timebox_weeks,
        "past_timebox": poc.is_past_timebox,
        "decision_overdue": poc.is_decision_overdue,
        "changes_recorded": event_count(poc.pk),
        "blocking_next_stage": blocking,
        "computed_at": timezone.now().isoformat(),
    }


def poc_summary_request(*, poc: PoC, user: User):
    """Queue a recomputation of the PoC's summary as a background job."""
    from apps.core.jobs import job_enqueue
    from apps.pocs.tasks import poc_summary_recompute

    access.check(poc, user, access.EDIT)
    with transaction.atomic():
        return job_enqueue(kind="poc.summary", task=poc_summary_recompute, subject=poc, user=user)
