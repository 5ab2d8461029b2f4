"""The one table of rights for PoCs, and everything derived from it.

A person holds roles on a PoC: organisation-wide ones (``admin``, ``portfolio_viewer``) and
roles on the PoC itself (``lead``, ``production_owner``, ``decision_maker``, ``creator``, and
the member roles ``contributor`` and ``viewer``; the ``sponsor``, when a portal user, has a
viewer's rights). ``RIGHTS`` says which actions each role
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
  may change as well as everyone who edits;
- ``sign``: the go/no-go, signed by the PoC's named decision-maker and nobody else (admins
  included: an organisation role never signs for someone).

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
VIEW, EDIT, MANAGE, JUSTIFY, OWN_ITEMS, EDIT_OPS_ITEMS, SIGN = (
    "view",
    "edit",
    "manage",
    "justify",
    "own_items",
    "edit_ops_items",
    "sign",
)
ACTIONS = (VIEW, EDIT, MANAGE, JUSTIFY, OWN_ITEMS, EDIT_OPS_ITEMS, SIGN)

# Roles
ADMIN, PORTFOLIO_VIEWER = "admin", "portfolio_viewer"
LEAD, PRODUCTION_OWNER, DECISION_MAKER, SPONSOR, CREATOR = (
    "lead",
    "production_owner",
    "decision_maker",
    "sponsor",
    "creator",
)
CONTRIBUTOR, VIEWER = Membership.Role.CONTRIBUTOR.value, Membership.Role.VIEWER.value

ORG_ROLES = (ADMIN, PORTFOLIO_VIEWER)
NAMED_ROLES = (LEAD, PRODUCTION_OWNER, DECISION_MAKER, SPONSOR)  # a person named in a field of the PoC
MEMBER_ROLES = (CONTRIBUTOR, VIEWER)  # a Membership row
ROLES = (*ORG_ROLES, *NAMED_ROLES, CREATOR, *MEMBER_ROLES)

RIGHTS: dict[str, frozenset[str]] = {
    ADMIN: frozenset({VIEW, EDIT, MANAGE, EDIT_OPS_ITEMS}),
    PORTFOLIO_VIEWER: frozenset({VIEW}),
    LEAD: frozenset({VIEW, EDIT, MANAGE, JUSTIFY, OWN_ITEMS, EDIT_OPS_ITEMS}),
    PRODUCTION_OWNER: frozenset({VIEW, OWN_ITEMS, EDIT_OPS_ITEMS}),
    DECISION_MAKER: frozenset({VIEW, OWN_ITEMS, SIGN}),
    SPONSOR: frozenset({VIEW, OWN_ITEMS}),  # the same as a viewer
    CREATOR: frozenset({VIEW}),
    CONTRIBUTOR: frozenset({VIEW, EDIT, OWN_ITEMS, EDIT_OPS_ITEMS}),
    VIEWER: frozenset({VIEW, OWN_ITEMS}),
}

# The PoC's people fields name a person in a role; changing them, the sponsor or the members
# needs ``manage``; the timebox justification needs ``justify``; every other field ``edit``.
FIELD_ACTIONS: dict[str, str] = {
    **dict.fromkeys(PEOPLE_FIELDS, MANAGE),
    "sponsor_name": MANAGE,
    "timebox_justification": JUSTIFY,
}

REFUSALS = {
    EDIT: "You can read this PoC but not change it.",
    MANAGE: "Only the PoC's lead or an administrator can do this.",
    JUSTIFY: "Only the PoC's lead can justify a timebox over 8 weeks.",
    EDIT_OPS_ITEMS: "You can read this PoC but not change it.",
    SIGN: "Only the PoC's named decision-maker can sign its decision.",
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


# --- Which PoCs: one indexed lookup per role -----------------------------------------------------

# The PoC column naming each named role (and the creator); every one is a foreign key with its own index.
_POC_COLUMNS = {
    LEAD: "lead",
    PRODUCTION_OWNER: "production_owner",
    DECISION_MAKER: "decision_maker",
    SPONSOR: "sponsor",
    CREATOR: "created_by",
}
_NOTHING = Q(pk__in=[])


def scope_lookups(user, action: str) -> list[dict] | None:
    """The lookups that find the PoCs on which ``user`` holds a role that allows ``action``.

    One filter on PoCs per allowing role in ``RIGHTS`` (``{"lead": user}``, the user's
    memberships with an allowing role …), each answered by its own index; None when an
    organisation role allows it (every PoC); an empty list when nothing does.
    """
    roles = roles_with(action)
    if not _active(user):
        return []
    if org_roles(user) & roles:
        return None
    lookups = [{column: user} for role, column in _POC_COLUMNS.items() if role in roles]
    member_roles = [role for role in MEMBER_ROLES if role in roles]
    if member_roles:
        lookups.append({"memberships__user": user, "memberships__role__in": member_roles})
    return lookups


def scope(user, action: str) -> Q:
    """A filter on PoCs: those on which ``user`` holds a role that allows ``action``.

    An organisation role that allows it sees every PoC. Otherwise the filter is ``id IN (…)`` over
    a UNION of ``scope_lookups``, each reading its own index (``lead_id = user``,
    ``created_by_id = user``, the user's memberships …), so a person who sees 3 PoCs out of
    10,000 reads 3 rows, never the whole table.
    """
    lookups = scope_lookups(user, action)
    if lookups is None:
        return Q()
    if not lookups:
        return _NOTHING
    first, *others = (PoC.objects.filter(**lookup).order_by().values("pk") for lookup in lookups)
    return Q(pk__in=first.union(*others) if others else first)


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
    key = (user.pk, poc.lead_id, poc.production_owner_id, poc.decision_maker_id, poc.sponsor_id, poc.created_by_id)
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
