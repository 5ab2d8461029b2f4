"""The one permission module for PoCs.

Seeing a PoC is decided by ``PoC.objects.visible_to``; a PoC a user may not see does not exist
for them (404). Among those who see it, actions are:

- ``view``: everyone who sees it;
- ``edit``: the lead, contributors and admins (fields, checklist, results);
- ``manage``: the lead and admins (people, members, stage moves).

Read-only people get 403 on a write.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from apps.pocs.models import Membership, PoC

VIEW, EDIT, MANAGE = "view", "edit", "manage"


def poc_roles(poc: PoC, user) -> set[str]:
    """Every role ``user`` holds on ``poc``, including organisation-wide ones.

    Remembered on the PoC instance for the request, so a page asking many times costs one query.
    """
    if not getattr(user, "is_authenticated", False):
        return set()
    cache = poc.__dict__.setdefault("_roles_cache", {})
    key = (user.pk, poc.lead_id, poc.production_owner_id, poc.decision_maker_id)
    if key in cache:
        return cache[key]
    roles: set[str] = set()
    if user.is_org_admin:
        roles.add("admin")
    if user.org_role == user.OrgRole.PORTFOLIO_VIEWER:
        roles.add("portfolio_viewer")
    if poc.lead_id == user.pk:
        roles.add("lead")
    if poc.production_owner_id == user.pk:
        roles.add("production_owner")
    if poc.decision_maker_id == user.pk:
        roles.add("decision_maker")
    membership = Membership.objects.filter(poc=poc, user=user).values_list("role", flat=True).first()
    if membership:
        roles.add(membership)
    cache[key] = roles
    return roles


def allowed(poc: PoC, user, action: str) -> bool:
    roles = poc_roles(poc, user)
    if action == VIEW:
        return bool(roles) or poc.created_by_id == getattr(user, "pk", None)
    if action == EDIT:
        return bool(roles & {"admin", "lead", "contributor"})
    if action == MANAGE:
        return bool(roles & {"admin", "lead"})
    raise ValueError(f"unknown action {action!r}")


def check(poc: PoC, user, action: str) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` on a PoC they can see."""
    if not allowed(poc, user, action):
        raise PermissionDenied(
            "You can read this PoC but not change it."
            if action == EDIT
            else "Only the PoC's lead or an administrator can do this."
        )


def get_poc_for_user(user, pk, *, action: str = VIEW, queryset=None) -> PoC:
    """The PoC ``pk`` if ``user`` may see it (else 404) and may do ``action`` (else 403)."""
    qs = queryset if queryset is not None else PoC.objects.all()
    try:
        poc = qs.visible_to(user).get(pk=pk)
    except (PoC.DoesNotExist, ValueError, TypeError):
        raise Http404("No such PoC") from None
    if action != VIEW:
        check(poc, user, action)
    return poc
