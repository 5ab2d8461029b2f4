"""Every change to a PoC or its people goes through one of these functions.

Each checks permission, validates, writes inside one transaction attributed to the acting user
(the audit triggers record the change) and schedules follow-up work after commit. Pages and
the API call the same functions.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.audit.context import audited
from apps.core.errors import ConflictError, TransitionRefused, ValidationFailed
from apps.pocs import access, stages
from apps.pocs.models import Membership, PoC, Stage
from apps.pocs.signals import poc_created

# Fields a lead or contributor may edit; PEOPLE_FIELDS additionally need the "manage" right.
EDITABLE_FIELDS = (
    "name",
    "description",
    "business_unit",
    "sponsor",
    "production_owner_budget_line",
    "kickoff_date",
    "timebox_weeks",
    "timebox_justification",
    "decision_due_date",
    "data_sensitivity",
)
PEOPLE_FIELDS = ("lead", "production_owner", "decision_maker")
ALL_FIELDS = EDITABLE_FIELDS + PEOPLE_FIELDS


def _validate(poc: PoC, fields: list[str]) -> None:
    try:
        poc.full_clean(exclude=[f.name for f in PoC._meta.fields if f.name not in fields], validate_unique=False)
    except ValidationError as exc:
        errors = exc.message_dict
        first = next(iter(errors.items()))
        raise ValidationFailed(f"{first[0]}: {first[1][0]}", errors=errors) from None


def field_value(poc: PoC, field: str) -> Any:
    """A field's value as the API shows it (ids for people and units)."""
    if field in PEOPLE_FIELDS or field == "business_unit":
        return getattr(poc, f"{field}_id")
    value = getattr(poc, field)
    return value.isoformat() if hasattr(value, "isoformat") else value


def poc_create(*, user: User, name: str, **fields: Any) -> PoC:
    """Create a PoC in draft. Its creator leads it unless someone else is named."""
    unknown = set(fields) - set(ALL_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}")
    poc = PoC(name=(name or "").strip(), created_by=user, stage=Stage.DRAFT, **fields)
    if poc.lead_id is None:
        poc.lead = user
    _validate(poc, ["name", *fields, "lead"])
    with audited(user):
        poc.save()
        poc_created.send(sender=PoC, poc=poc, user=user)
    return poc


def poc_update(*, poc: PoC, user: User, changes: dict[str, Any], version: int | None) -> PoC:
    """Apply ``changes`` if ``version`` is still the PoC's version; otherwise ConflictError (409).

    Nothing is written when anything is refused.
    """
    unknown = set(changes) - set(ALL_FIELDS)
    if unknown:
        raise ValidationFailed(f"These fields cannot be edited here: {', '.join(sorted(unknown))}")
    access.check(poc, user, access.MANAGE if set(changes) & set(PEOPLE_FIELDS) else access.EDIT)
    if version is None:
        raise ValidationFailed("version: send the version you last read.", errors={"version": ["Required."]})
    if poc.stage == Stage.DECIDED:
        raise ValidationFailed("A decided PoC cannot be changed.")
    with audited(user):
        current = PoC.objects.select_for_update().get(pk=poc.pk)
        if current.version != int(version):
            raise ConflictError(
                "Someone else changed this PoC after you opened it. Your changes were not saved; "
                "the current values are shown.",
                current={field: field_value(current, field) for field in changes},
                current_version=current.version,
            )
        for field, value in changes.items():
            if isinstance(value, str) and field not in ("description", "timebox_justification"):
                value = value.strip()
            setattr(current, field, value)
        _validate(current, list(changes))
        current.version += 1  # the row is locked: no concurrent increment
        current.save(update_fields=[*changes, "version", "updated_at"])
    return current


def poc_transition(*, poc: PoC, user: User, to: str) -> PoC:
    """Move the PoC to stage ``to`` if the move exists and every guard holds."""
    access.check(poc, user, access.MANAGE)
    if to not in Stage.values:
        raise ValidationFailed(
            f"'{to}' is not a stage. Stages: {', '.join(Stage.values)}.", errors={"to": ["Unknown stage."]}
        )
    with audited(user):
        current = PoC.objects.select_for_update().get(pk=poc.pk)
        if not stages.is_move(current.stage, to):
            allowed = ", ".join(stages.next_stages(current.stage)) or "none"
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
        fields = ["stage", "stage_changed_at", "version", "updated_at"]
        if to == Stage.KICKOFF and current.kickoff_date is None:
            current.kickoff_date = timezone.localdate()
            fields.append("kickoff_date")
        current.stage = to
        current.stage_changed_at = timezone.now()
        current.version += 1  # the row is locked: no concurrent increment
        current.save(update_fields=fields)
    return current


def membership_add(*, poc: PoC, user: User, member: User, role: str) -> Membership:
    access.check(poc, user, access.MANAGE)
    if role not in Membership.Role.values:
        raise ValidationFailed(
            f"role: '{role}' is not a member role; use contributor or viewer.", errors={"role": ["Invalid role."]}
        )
    if not member.is_active:
        raise ValidationFailed("user: this account is deactivated.", errors={"user": ["Inactive user."]})
    with audited(user):
        if Membership.objects.filter(poc=poc, user=member).exists():
            raise ValidationFailed(
                f"user: {member} is already a member of this PoC.", errors={"user": ["Already a member."]}
            )
        return Membership.objects.create(poc=poc, user=member, role=role, added_by=user)


def membership_update(*, membership: Membership, user: User, role: str) -> Membership:
    access.check(membership.poc, user, access.MANAGE)
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
    with audited(user):
        membership.delete()


def poc_summary_compute(*, poc_id: int) -> dict[str, Any]:
    """A snapshot of where the PoC stands: people, time, and what blocks the next move."""
    from apps.audit.models import AuditEvent

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
        "changes_recorded": AuditEvent.objects.filter(poc_id=poc.pk).count(),
        "blocking_next_stage": blocking,
        "computed_at": timezone.now().isoformat(),
    }


def poc_summary_request(*, poc: PoC, user: User):
    """Queue a recomputation of the PoC's summary as a background job."""
    from apps.core.jobs import job_enqueue
    from apps.pocs.tasks import poc_summary_recompute

    access.check(poc, user, access.EDIT)
    with transaction.atomic():
        return job_enqueue(kind="poc.summary", task=poc_summary_recompute, poc=poc, user=user)
