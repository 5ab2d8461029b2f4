"""The one table of rights for PoCs, and everything derived from it.

A person holds roles on a PoC: organisation-wide ones (``admin``, ``portfolio_viewer``) and
roles on the PoC itself (``lead``, ``production_owner``, ``decision_maker``, ``creator``, and
the member roles ``contributor`` and ``viewer``). ``RIGHTS`` says which actions each role
allows:

- ``view``: everyone with a role (the creator included);
- ``edit``: the lead, contributors and admins (fields, checklist, results);
- ``manage``: the lead and admins (people, sponsor, members, stage moves);
- ``justify``: the lead only (the justification for a timebox over 8 weeks, which unlocks the
  kickoff gate);
- ``own_items``: the people on the PoC (lead, production owner, decision-maker, contributors,
  viewers) may be named owner of one of its checklist items; an admin or portfolio viewer who
  is not on it may not;
- ``edit_ops_items``: the ops handover items (checklist reason 4), which the production owner
  may change as well as everyone who edits.

Three readings of the table agree (``tests/pocs/test_rights.py`` holds them to it):
``scope(user, action)`` filters PoCs (``PoC.objects.allowed_to`` / ``visible_to`` /
``editable_by``), ``allowed(poc, user, action)`` checks one PoC, and ``holders(poc, action)``
filters users. A PoC a user may not see does not exist for them (404); among those who see it,
a refused write is 403.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from apps.accounts.models import User
from apps.pocs.models import PEOPLE_FIELDS, Membership, PoC

# Actions
VIEW, EDIT, MANAGE, JUSTIFY, OWN_ITEMS, EDIT_OPS_ITEMS = (
    "view",
    "edit",
    "manage",
    "justify",
    "own_items",
    "edit_ops_items",
)
ACTIONS = (VIEW, EDIT, MANAGE, JUSTIFY, OWN_ITEMS, EDIT_OPS_ITEMS)

# Roles
ADMIN, PORTFOLIO_VIEWER = "admin", "portfolio_viewer"
LEAD, PRODUCTION_OWNER, DECISION_MAKER, CREATOR = "lead", "production_owner", "decision_maker", "creator"
CONTRIBUTOR, VIEWER = Membership.Role.CONTRIBUTOR.value, Membership.Role.VIEWER.value

ORG_ROLES = (ADMIN, PORTFOLIO_VIEWER)
NAMED_ROLES = (LEAD, PRODUCTION_OWNER, DECISION_MAKER)  # a person named in a field of the PoC
MEMBER_ROLES = (CONTRIBUTOR, VIEWER)  # a Membership row
ROLES = (*ORG_ROLES, *NAMED_ROLES, CREATOR, *MEMBER_ROLES)

RIGHTS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({VIEW, EDIT, MANAGE, EDIT_OPS_ITEMS}),
    PORTFOLIO_VIEWER: frozenset({VIEW}),
    LEAD: frozenset({VIEW, EDIT, MANAGE, JUSTIFY, OWN_ITEMS, EDIT_OPS_ITEMS}),
    PRODUCTION_OWNER: frozenset({VIEW, OWN_ITEMS, EDIT_OPS_ITEMS}),
    DECISION_MAKER: frozenset({VIEW, OWN_ITEMS}),
    CREATOR: frozenset({VIEW}),
    CONTRIBUTOR: frozenset({VIEW, EDIT, OWN_ITEMS, EDIT_OPS_ITEMS}),
    VIEWER: frozenset({VIEW, OWN_ITEMS}),
}

# The PoC's people fields name a person in a role; changing them, the sponsor or the members
# needs ``manage``; the timebox justification needs ``justify``; every other field ``edit``.
FIELD_ACTIONS: dict[str, str] = {
    **dict.fromkeys(PEOPLE_FIELDS, MANAGE),
    "sponsor": MANAGE,
    "timebox_justification": JUSTIFY,
}

REFUSALS = {
    EDIT: "You can read this PoC but not change it.",
    MANAGE: "Only the PoC's lead or an administrator can do this.",
    JUSTIFY: "Only the PoC's lead can justify a timebox over 8 weeks.",
    EDIT_OPS_ITEMS: "You can read this PoC but not change it.",
}


def roles_with(action: str) -> frozenset[str]:
    """The roles whose rights include ``action``."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return frozenset(role for role, rights in RIGHTS.items() if action in rights)


def required_action(field: str) -> str:
    """The action needed to change the PoC field ``field``."""
    return FIELD_ACTIONS.get(field, EDIT)


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def org_roles(user) -> set[str]:
    """The organisation-wide roles of an active, signed-in ``user``."""
    if not _active(user):
        return set()
    roles = set()
    if user.is_org_admin:
        roles.add(ADMIN)
    if user.org_role == User.OrgRole.PORTFOLIO_VIEWER:
        roles.add(PORTFOLIO_VIEWER)
    return roles


# --- Which PoCs: one condition per role --------------------------------------------------------

_POC_CONDITIONS = {
    LEAD: lambda user: Q(lead=user),
    PRODUCTION_OWNER: lambda user: Q(production_owner=user),
    DECISION_MAKER: lambda user: Q(decision_maker=user),
    CREATOR: lambda user: Q(created_by=user),
}
_NOTHING = Q(pk__in=[])


def scope(user, action: str) -> Q:
    """A filter on PoCs: those on which ``user`` holds a role that allows ``action``."""
    roles = roles_with(action)
    if not _active(user):
        return _NOTHING
    if org_roles(user) & roles:
        return Q()
    conditions = [condition(user) for role, condition in _POC_CONDITIONS.items() if role in roles]
    member_roles = [role for role in MEMBER_ROLES if role in roles]
    if member_roles:
        conditions.append(Exists(Membership.objects.filter(poc=OuterRef("pk"), user=user, role__in=member_roles)))
    if not conditions:
        return _NOTHING
    return reduce(or_, conditions)


# --- Which people: the same table read per user ------------------------------------------------

_ORG_CONDITIONS = {
    ADMIN: Q(is_superuser=True) | Q(org_role=User.OrgRole.ADMIN),
    PORTFOLIO_VIEWER: Q(org_role=User.OrgRole.PORTFOLIO_VIEWER),
}


def holders(poc: PoC, action: str) -> Q:
    """A filter on users: those holding a role on ``poc`` that allows ``action`` (active or not)."""
    roles = roles_with(action)
    conditions = [_ORG_CONDITIONS[role] for role in ORG_ROLES if role in roles]
    named = {role: getattr(poc, f"{role}_id") for role in NAMED_ROLES}
    named[CREATOR] = poc.created_by_id
    conditions += [Q(pk=pk) for role, pk in named.items() if role in roles and pk is not None]
    member_roles = [role for role in MEMBER_ROLES if role in roles]
    if member_roles:
        conditions.append(Exists(Membership.objects.filter(poc=poc, user=OuterRef("pk"), role__in=member_roles)))
    if not conditions:
        return _NOTHING
    return reduce(or_, conditions)


def users_allowed(poc: PoC, action: str):
    """The active users who may do ``action`` on ``poc``."""
    return User.objects.filter(is_active=True).filter(holders(poc, action))


def people_on_poc_queryset(poc: PoC):
    """The active people on the PoC (named roles and members): those who may own its items."""
    return users_allowed(poc, OWN_ITEMS).order_by("full_name", "email")


# --- One PoC: the roles a user holds on it -----------------------------------------------------


def poc_roles(poc: PoC, user) -> set[str]:
    """Every role ``user`` holds on ``poc``, including organisation-wide ones.

    Remembered on the PoC instance for the request, so a page asking many times costs one query.
    """
    if not _active(user):
        return set()
    cache = poc.__dict__.setdefault("_roles_cache", {})
    key = (user.pk, poc.lead_id, poc.production_owner_id, poc.decision_maker_id, poc.created_by_id)
    if key in cache:
        return cache[key]
    roles = org_roles(user)
    roles.update(role for role in NAMED_ROLES if getattr(poc, f"{role}_id") == user.pk)
    if poc.created_by_id == user.pk:
        roles.add(CREATOR)
    membership = Membership.objects.filter(poc=poc, user=user).values_list("role", flat=True).first()
    if membership:
        roles.add(membership)
    cache[key] = roles
    return roles


def allowed(poc: PoC, user, action: str) -> bool:
    """Whether ``user`` holds a role on ``poc`` that allows ``action``."""
    return bool(poc_roles(poc, user) & roles_with(action))


def is_on_poc(poc: PoC, user) -> bool:
    """Whether ``user`` is one of the people on the PoC, who may own its checklist items."""
    return allowed(poc, user, OWN_ITEMS)


def check(poc: PoC, user, action: str) -> None:
    """Raise PermissionDenied unless ``user`` may do ``action`` on a PoC they can see."""
    if not allowed(poc, user, action):
        raise PermissionDenied(REFUSALS.get(action, "You cannot do this on this PoC."))


def check_fields(poc: PoC, user, fields) -> None:
    """Raise PermissionDenied unless ``user`` may change every one of the PoC ``fields``."""
    for action in (EDIT, MANAGE, JUSTIFY):  # the broadest refusal first
        if any(required_action(field) == action for field in fields):
            check(poc, user, action)


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
