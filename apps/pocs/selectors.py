"""Reads for PoC pages and the API, already scoped to what the user may see."""

from __future__ import annotations

import base64
import binascii
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, F, Func, Value

from apps.pocs import access, stages
from apps.pocs.models import DECISION_DATE_KEY, PEOPLE_FIELDS, STAGE_RANK, Membership, PoC, Stage

POC_PAGE_SIZE = 25
SEARCH_MAX_CHARS = 200


def pocs_for_user(user):
    return (
        PoC.objects.visible_to(user)
        .select_related("lead", "production_owner", "decision_maker", "sponsor", "business_unit")
        .order_by("-updated_at", "-id")
    )


# --- My PoCs: one page at a time, whatever the number of PoCs ------------------------------------


@dataclass(frozen=True)
class Sort:
    """A sort of My PoCs: an indexed key (``PoC.Meta.indexes``), then ``id`` to break ties."""

    key: str
    label: str
    expression: Any
    descending: bool
    parse: Callable[[Any], Any]


SORTS = {
    sort.key: sort
    for sort in (
        Sort("changed", "Last change", F("updated_at"), True, datetime.datetime.fromisoformat),
        Sort("name", "Name", F("name"), False, str),
        Sort("stage", "Stage", STAGE_RANK, False, int),
        Sort("decision", "Decision due", DECISION_DATE_KEY, False, datetime.date.fromisoformat),
    )
}
DEFAULT_SORT = "changed"


class RowCompare(Func):
    """``(key, id) > (value, id)`` (or ``<``): a row comparison PostgreSQL answers from a two-column index."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, keys, values, operator: str):
        if operator not in ("<", ">"):
            raise ValueError(operator)
        self.operator, self.width = operator, len(keys)
        super().__init__(*keys, *(Value(value) for value in values))

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        left, right = ", ".join(parts[: self.width]), ", ".join(parts[self.width :])
        return f"({left}) {self.operator} ({right})", params


class NameContains(Func):
    """``name ILIKE '%text%'``: a search by any part of the name, answered from the trigram index."""

    output_field = BooleanField()
    conditional = True

    def __init__(self, text: str):
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        super().__init__(F("name"), Value(f"%{escaped}%"))

    def as_sql(self, compiler, connection, **extra_context):
        column, column_params = compiler.compile(self.source_expressions[0])
        pattern, pattern_params = compiler.compile(self.source_expressions[1])
        return f"{column} ILIKE {pattern}", (*column_params, *pattern_params)


def _encode(sort: str, value, pk: int) -> str:
    if isinstance(value, datetime.date):  # datetimes too
        value = value.isoformat()
    return base64.urlsafe_b64encode(json.dumps([sort, value, pk]).encode()).decode().rstrip("=")


def _decode(token: str | None, sort: str, parse) -> tuple[Any, int] | None:
    """The (key, id) a cursor names, or None when it is missing, damaged or made for another sort."""
    if not token:
        return None
    try:
        name, value, pk = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if name != sort or not isinstance(pk, int):
            return None
        return parse(value), pk
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass
class PoCPage:
    pocs: list[PoC]
    sort: str  # as asked: "name", or "-name" for the reverse of its natural order
    q: str
    next_cursor: str | None = None
    previous_cursor: str | None = None


def poc_page(
    user, *, q: str = "", sort: str = DEFAULT_SORT, after: str | None = None, before: str | None = None,
    size: int = POC_PAGE_SIZE,
) -> PoCPage:
    """One page of the PoCs ``user`` may see, searched by name and sorted by an indexed key.

    Keyset pagination: ``after`` / ``before`` are cursors naming the last / first row of the page
    the reader came from, so page 400 reads as few rows as page 1 (``size`` + 1, from the sort's
    index), and there is no COUNT. ``sort`` is a key of ``SORTS``, or ``-key`` for the reverse
    order; an unknown one is the default. A damaged cursor gives the first page.
    """
    reverse = sort.startswith("-")
    chosen = SORTS.get(sort.removeprefix("-"))
    if chosen is None:
        chosen, reverse = SORTS[DEFAULT_SORT], False
    sort = ("-" if reverse else "") + chosen.key
    descending = chosen.descending != reverse
    q = (q or "").strip()[:SEARCH_MAX_CHARS]

    position, backwards = _decode(after, sort, chosen.parse), False
    if position is None:
        position = _decode(before, sort, chosen.parse)
        backwards = position is not None
    reading_down = descending != backwards  # the order rows are read in
    order = [F("sort_key").desc(), F("id").desc()] if reading_down else [F("sort_key").asc(), F("id").asc()]
    candidates = PoC.objects.annotate(sort_key=chosen.expression)
    if q:
        candidates = candidates.filter(NameContains(q))
    if position is not None:
        candidates = candidates.filter(RowCompare([chosen.expression, F("id")], position, "<" if reading_down else ">"))
    qs = PoC.objects.select_related("lead", "production_owner", "decision_maker", "sponsor", "business_unit")
    lookups = access.scope_lookups(user, access.VIEW)
    if lookups is None:  # every PoC: the page is read straight from the sort's index
        qs = candidates.select_related("lead", "production_owner", "decision_maker", "sponsor", "business_unit")
    elif not lookups:
        qs = qs.none()
    else:
        # The page's rows are among the first size + 1 of each role's lookup: each is read from the sort's
        # index (a role that covers many PoCs) or its own (one that covers few), then merged. Either way a
        # page reads about (size + 1) x roles rows, whether the person sees 3 PoCs or 10,000.
        first, *others = (
            candidates.filter(**lookup).order_by(*order).values("pk")[: size + 1] for lookup in lookups
        )
        qs = qs.annotate(sort_key=chosen.expression).filter(pk__in=first.union(*others) if others else first)
    rows = list(qs.order_by(*order)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    # Coming back (``before``), the rows after this page are the ones just left; going on, the rows
    # before it are those already read.
    has_next, has_previous = (True, more) if backwards else (more, position is not None)
    page = PoCPage(pocs=rows, sort=sort, q=q)
    if rows and has_next:
        page.next_cursor = _encode(sort, rows[-1].sort_key, rows[-1].pk)
    if rows and has_previous:
        page.previous_cursor = _encode(sort, rows[0].sort_key, rows[0].pk)
    return page


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
    "sponsor": "Sponsor",
    "contributor": "Contributor",
    "viewer": "Viewer",
}


def people_on_poc(poc: PoC) -> list[Person]:
    """Everyone with a role on the PoC: the named people, then members, one entry a person."""
    people: dict[int, Person] = {}
    for field in PEOPLE_FIELDS:
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


def attempts(poc: PoC, user) -> dict[str, Any]:
    """The attempt this PoC follows and the attempts that follow it, as far as ``user`` may see them."""
    visible = pocs_for_user(user).select_related(None).only("pk", "name", "stage")
    previous = None
    if poc.previous_attempt_id:
        previous = visible.filter(pk=poc.previous_attempt_id).first()
    following = []
    if poc.stage == Stage.DECIDED:  # only a decided PoC is tried again: no query for the others
        following = list(visible.filter(previous_attempt=poc).order_by("created_at", "pk"))
    return {"previous": previous, "following": following}


def people_choices(poc: PoC) -> list[tuple[int, str]]:
    """Everyone on the PoC (named people and members) as (user id, name), by name, in one query (filters)."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    named = [getattr(poc, f"{field}_id") for field in PEOPLE_FIELDS if getattr(poc, f"{field}_id") is not None]
    users = get_user_model().objects.filter(Q(pk__in=named) | Q(memberships__poc=poc)).distinct().order_by("full_name")
    return [(user.pk, str(user)) for user in users]


PEOPLE_SEARCH_LIMIT = 10
PEOPLE_SEARCH_MIN_LENGTH = 2


def search_people(text: str, *, limit: int = PEOPLE_SEARCH_LIMIT) -> list:
    """Active accounts whose name or email contains ``text``, by name, at most ``limit`` (the pickers).

    Fewer than two characters find nobody, so the directory cannot be listed a letter at a time.
    """
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    text = (text or "").strip()
    if len(text) < PEOPLE_SEARCH_MIN_LENGTH:
        return []
    users = get_user_model().objects.filter(Q(full_name__icontains=text) | Q(email__icontains=text), is_active=True)
    return list(users.order_by("full_name", "email")[:limit])


def resolve_person(text: str):
    """The one active account ``text`` names (an email, or a part of a name or email), else a ``ValueError``
    saying why: nobody matches, or several do."""
    from django.contrib.auth import get_user_model

    text = (text or "").strip()
    users = get_user_model().objects.filter(is_active=True)
    exact = users.filter(email__iexact=text.removesuffix(">").rpartition("<")[2].strip() or text).first()
    if exact is not None:
        return exact
    found = search_people(text, limit=PEOPLE_SEARCH_LIMIT + 1)
    if not found and "@" in text:
        raise ValueError(f"No active account uses {text}.")
    if not found:
        raise ValueError(f"No active person matches “{text}”. Type their name or email address.")
    if len(found) > 1:
        more = "more than 10" if len(found) > PEOPLE_SEARCH_LIMIT else str(len(found))
        raise ValueError(f"{more} people match “{text}”. Type their full email address.")
    return found[0]
