"""Reads for PoC pages and the API, already scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass

from apps.pocs import stages
from apps.pocs.models import Membership, PoC, Stage


def pocs_for_user(user):
    return (
        PoC.objects.visible_to(user)
        .select_related("lead", "production_owner", "decision_maker", "business_unit")
        .order_by("-updated_at", "-id")
    )


@dataclass
class Person:
    user_id: int
    name: str
    email: str
    roles: list[str]
    membership_id: int | None = None
    member_role: str = ""  # contributor or viewer, when the person is a member


ROLE_LABELS = {
    "lead": "Lead",
    "production_owner": "Production owner",
    "decision_maker": "Decision-maker",
    "contributor": "Contributor",
    "viewer": "Viewer",
}


def people_on_poc(poc: PoC) -> list[Person]:
    """Everyone with a role on the PoC: the named people, then members, one entry a person."""
    people: dict[int, Person] = {}
    for field in ("lead", "production_owner", "decision_maker"):
        user = getattr(poc, field)
        if user is not None:
            people.setdefault(user.pk, Person(user.pk, str(user), user.email, [])).roles.append(field)
    for membership in Membership.objects.filter(poc=poc).select_related("user"):
        person = people.setdefault(
            membership.user_id, Person(membership.user_id, str(membership.user), membership.user.email, [])
        )
        person.roles.append(membership.role)
        person.membership_id = membership.pk
        person.member_role = membership.role
    return list(people.values())


def stage_moves(poc: PoC) -> list[dict]:
    """The moves out of the PoC's stage, each with what still blocks it."""
    order = Stage.values
    moves = []
    for target in stages.next_stages(poc.stage):
        moves.append(
            {
                "to": target,
                "label": Stage(target).label,
                "forward": order.index(target) > order.index(poc.stage),
                "missing": stages.missing_for(poc, target),
            }
        )
    return moves
