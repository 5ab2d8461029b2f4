"""Reads of the portfolio: every PoC a person may see, filtered and sorted, and the figures over them.

Built for scale: each row's stall risk and criteria are read from the stored summary
(``PoCSummary``), joined in the same query, so a page costs the same two queries for 10 PoCs as for
10,000: one aggregate over every filtered row (the count, funnel, overdue, stall reasons, graduation
counts and the median, and for the page the filter form's choices), written once as SQL with
``FILTER`` and ``percentile_cont`` so no row reaches Python; and one page of rows, sorted over narrow
rows before the page's few are joined to their people, read as plain values (only the columns shown,
no model instances). The access scope and the filters stay in the ORM (``portfolio_scope``); both
statements embed its compiled SQL.

Definitions (the README and docs/architecture.md say the same):

- *overdue* and the *decision status*: ``definitions`` (ORM expressions, used by the ``overdue``
  filter and compiled into both statements, so they are written once);
- *decided in the period*: signed (stage ``decided``, reached only by signing) on a date between
  ``since`` and ``until``, both included; *started in the period*: the kickoff date lies between them;
- *graduation rate*: ``go_over_decided`` = Go decisions signed in the period / decisions signed in
  the period; ``go_over_started`` = Go decisions signed in the period / PoCs started in the period;
  None when the denominator is 0;
- *median weeks to decision*: over the PoCs decided in the period that have a kickoff date, the
  median of (decision date − kickoff date) in weeks, one decimal (PostgreSQL's ``percentile_cont(0.5)``);
- *stall reasons*: for each of the five reasons, how many open (not decided) PoCs have it at high
  risk, most frequent first.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import QuerySet
from django.db.models.sql import Query
from django.utils import timezone

from apps.accounts.models import BusinessUnit, User
from apps.checklists.selectors import SHORT_REASON_LABELS, Reason
from apps.decisions.selectors import TOTAL as CRITERIA_TOTAL
from apps.pocs.models import PoC, Stage
from apps.pocs.selectors import SEARCH_MAX_CHARS, NameContains
from apps.portfolio import definitions
from apps.portfolio.definitions import DecisionStatus
from apps.portfolio.models import RISK_RANK, PoCSummary, RiskLevel

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
DEFAULT_PERIOD_DAYS = 365
DEFAULT_ORDERING = "-risk_level"
HIGH_RANK = RISK_RANK[RiskLevel.HIGH]


_STAGE_RANK_SQL = (
    "CASE p.stage "
    + "".join(f"WHEN %(stage_{rank})s THEN {rank} " for rank in range(len(Stage.values)))
    + f"ELSE {len(Stage.values)} END"
)

_UNIT_JOIN = f"LEFT JOIN {BusinessUnit._meta.db_table} b ON b.id = p.business_unit_id"
_LEAD_JOIN = f"LEFT JOIN {User._meta.db_table} l ON l.id = p.lead_id"
_MAKER_JOIN = f"LEFT JOIN {User._meta.db_table} m ON m.id = p.decision_maker_id"

# The columns one may sort by: each a SQL sort key over the PoC (``p``), its summary (``s``) and the table
# it needs joined, if another (``b`` its business unit, ``l`` its lead, ``m`` its decision-maker), and
# whether the key runs reversed (``weeks_elapsed`` sorts by the kickoff date: an earlier kickoff is
# more weeks). A PoC without a value sorts last either way; the name, then the id, break ties. ``None``: the
# column's own definition (``definitions``), compiled (``_definitions``).
ORDERINGS: dict[str, tuple[str | None, bool, str]] = {
    "name": ("p.name", False, ""),
    "business_unit": ("b.name", False, _UNIT_JOIN),
    "stage": (_STAGE_RANK_SQL, False, ""),
    "weeks_elapsed": ("p.kickoff_date", True, ""),
    "timebox_weeks": ("p.timebox_weeks", False, ""),
    "risk_level": ("s.risk_rank", False, ""),
    "criteria_met": ("s.criteria_met", False, ""),
    "decision_due_date": ("p.decision_due_date", False, ""),
    "decision_status": (None, False, ""),
    "lead": ("l.full_name", False, _LEAD_JOIN),
    "decision_maker": ("m.full_name", False, _MAKER_JOIN),
    "overdue": (None, False, ""),
}
COLUMN_LABELS = {
    "name": "PoC",
    "business_unit": "Business unit",
    "stage": "Stage",
    "weeks_elapsed": "Weeks",
    "timebox_weeks": "Timebox",
    "risk_level": "Stall risk",
    "criteria_met": "Criteria",
    "decision_due_date": "Decision due",
    "decision_status": "Decision",
    "lead": "Lead",
    "decision_maker": "Decision-maker",
    "overdue": "Overdue",
}
# What a row reads (the page, the API and the CSV), as plain values named as in ``ROW_VALUES``: a row of
# the list costs no more than it shows. ``{scope}`` is the condition on ``p`` that ``portfolio_scope`` keeps;
# ``{overdue}`` and ``{decision_status}`` are the compiled definitions (``_definitions``).
ROW_VALUES = (
    "id",
    "name",
    "stage",
    "kickoff_date",
    "timebox_weeks",
    "decision_due_date",
    "business_unit_id",
    "business_unit__name",
    "lead_id",
    "lead__full_name",
    "lead__email",
    "decision_maker_id",
    "decision_maker__full_name",
    "decision_maker__email",
    "portfolio_summary__risk_level",
    "portfolio_summary__risk_reason",
    "portfolio_summary__risk_why",
    "portfolio_summary__criteria_met",
    "overdue",
    "decision_status",
)
_ROW_COLUMNS = (
    "p.id, p.name, p.stage, p.kickoff_date, p.timebox_weeks, p.decision_due_date, "
    "p.business_unit_id, b.name, p.lead_id, l.full_name, l.email, p.decision_maker_id, m.full_name, m.email, "
    "s.risk_level, s.risk_reason, s.risk_why, s.criteria_met, {overdue} AS overdue, "
    "{decision_status} AS decision_status"
)
_SUMMARY_JOIN = f"LEFT JOIN {PoCSummary._meta.db_table} s ON s.poc_id = p.id"
_ROW_JOINS = f"{_SUMMARY_JOIN} {_UNIT_JOIN} {_LEAD_JOIN} {_MAKER_JOIN}"
# Every row, sorted (the CSV).
_ROWS_SQL = f"SELECT {_ROW_COLUMNS} FROM {PoC._meta.db_table} p {_ROW_JOINS} WHERE {{scope}} ORDER BY {{ordering}}"  # noqa: S608 (constant names)
# One page: the sort runs over narrow rows (the id and its sort key), and only the page's rows are joined to
# their people and business unit (under half the time of sorting the joined rows, at 1,000 PoCs).
_PAGE_SQL = (
    f"WITH k AS (SELECT p.id, {{key}} AS sort_key FROM {PoC._meta.db_table} p {_SUMMARY_JOIN} {{join}} "  # noqa: S608 (constant names, sort keys)
    "WHERE {scope} ORDER BY {ordering} LIMIT %(limit)s OFFSET %(offset)s) "
    f"SELECT {_ROW_COLUMNS} FROM k JOIN {PoC._meta.db_table} p ON p.id = k.id {_ROW_JOINS} "
    "ORDER BY k.sort_key {direction} NULLS LAST, p.name, p.id"
)


@dataclass
class Filters:
    """What the reader asked for, checked. ``errors`` names each refused parameter; a refused one is ignored."""

    stage: str = ""
    business_unit: int | None = None
    risk: str = ""
    decision_maker: int | None = None
    overdue: bool | None = None
    q: str = ""
    ordering: str = DEFAULT_ORDERING
    since: datetime.date | None = None
    until: datetime.date | None = None
    errors: dict[str, list[str]] = field(default_factory=dict)

    def query(self, **changes) -> dict[str, str]:
        """The filters as URL parameters (only those set), with ``changes`` applied."""
        values = {
            "stage": self.stage,
            "business_unit": self.business_unit or "",
            "risk": self.risk,
            "decision_maker": self.decision_maker or "",
            "overdue": "" if self.overdue is None else ("true" if self.overdue else "false"),
            "q": self.q,
            "ordering": "" if self.ordering == DEFAULT_ORDERING else self.ordering,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        values.update(changes)
        return {key: str(value) for key, value in values.items() if value not in ("", None)}


def _id(value: str, name: str, errors: dict) -> int | None:
    try:
        number = int(value)
    except ValueError:
        errors[name] = [f"“{value[:40]}” is not a number; give the id."]
        return None
    if number < 1:
        errors[name] = ["Give a positive id."]
        return None
    return number


def _date(value: str, name: str, errors: dict) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors[name] = [f"“{value[:40]}” is not a date; write it as YYYY-MM-DD."]
        return None


def parse_filters(params) -> Filters:
    """The filters from URL parameters (a QueryDict or a dict); a bad value is named in ``errors``."""
    found = Filters()
    errors = found.errors

    def get(name: str) -> str:
        return (params.get(name) or "").strip()

    if stage := get("stage"):
        if stage in Stage.values:
            found.stage = stage
        else:
            errors["stage"] = [f"“{stage[:40]}” is not a stage; choose one of {', '.join(Stage.values)}."]
    if unit := get("business_unit"):
        found.business_unit = _id(unit, "business_unit", errors)
    if risk := get("risk"):
        if risk in RiskLevel.values:
            found.risk = risk
        else:
            errors["risk"] = [f"“{risk[:40]}” is not a risk level; choose low, medium or high."]
    if person := get("decision_maker"):
        found.decision_maker = _id(person, "decision_maker", errors)
    if overdue := get("overdue").lower():
        if overdue in ("true", "1", "yes", "on"):
            found.overdue = True
        elif overdue in ("false", "0", "no", "off"):
            found.overdue = False
        else:
            errors["overdue"] = [f"“{overdue[:40]}” is not true or false."]
    found.q = get("q")[:SEARCH_MAX_CHARS]
    if ordering := get("ordering"):
        if ordering.removeprefix("-") in ORDERINGS:
            found.ordering = ordering
        else:
            errors["ordering"] = [f"“{ordering[:40]}” is not a column; sort by one of {', '.join(ORDERINGS)}."]
    if since := get("since"):
        found.since = _date(since, "since", errors)
    if until := get("until"):
        found.until = _date(until, "until", errors)
    if found.since and found.until and found.since > found.until:
        errors["until"] = ["The end of the period is before its start."]
        found.until = None
    return found


def period(filters: Filters, today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The period of the graduation figures: as asked, else the last 365 days up to today."""
    today = today or timezone.localdate()
    until = filters.until or today
    since = filters.since or (until - datetime.timedelta(days=DEFAULT_PERIOD_DAYS))
    return since, until


def portfolio_scope(user, filters: Filters, *, today: datetime.date | None = None) -> QuerySet[PoC]:
    """Every PoC ``user`` may see that the filters keep (no order, no columns chosen)."""
    today = today or timezone.localdate()
    qs = PoC.objects.visible_to(user)
    if filters.stage:
        qs = qs.filter(stage=filters.stage)
    if filters.business_unit:
        qs = qs.filter(business_unit_id=filters.business_unit)
    if filters.risk:
        qs = qs.filter(portfolio_summary__risk_level=filters.risk)
    if filters.decision_maker:
        qs = qs.filter(decision_maker_id=filters.decision_maker)
    if filters.overdue is True:
        qs = qs.filter(definitions.overdue(today))
    elif filters.overdue is False:
        qs = qs.exclude(definitions.overdue(today))
    if filters.q:
        qs = qs.filter(NameContains(filters.q))
    return qs


def _sort(filters: Filters, defined: dict[str, str]) -> tuple[str, str, str]:
    """The sort key's SQL (a defined column's from ``defined``, see ``_definitions``), its direction and the
    join it needs."""
    column = filters.ordering.removeprefix("-")
    expression, reversed_key, join = ORDERINGS[column]
    if expression is None:
        expression = defined[column]
    descending = filters.ordering.startswith("-") != reversed_key
    return expression, "DESC" if descending else "ASC", join


def _ordering(filters: Filters, defined: dict[str, str]) -> str:
    expression, direction, _ = _sort(filters, defined)
    return f"{expression} {direction} NULLS LAST, p.name, p.id"


def _parameters(filters: Filters, today: datetime.date) -> dict:
    """The named parameters of the portfolio's statements, the compiled definitions' included (the scope's
    own are added by ``_embed``)."""
    since, until = period(filters, today)
    return {
        **_definitions(today)[1],
        "decided": Stage.DECIDED,
        "high": HIGH_RANK,
        "go": DecisionStatus.GO,
        "today": today,
        "since": since,
        "until": until,
        "tz": timezone.get_current_timezone_name(),
        **{f"stage_{i}": stage for i, stage in enumerate(Stage.values)},
    }


def _sql(qs: QuerySet) -> tuple[str, tuple]:
    """A queryset's SQL and parameters; a statement with no rows when the queryset can have none."""
    try:
        return qs.query.sql_with_params()
    except EmptyResultSet:
        return "SELECT NULL::integer WHERE false", ()


PLACEHOLDER = re.compile(r"%%|%s")


def _named(sql: str, values, params: dict, prefix: str) -> str:
    """``sql`` with its ``%s`` placeholders named (``%(<prefix><n>)s``) and their values added to ``params``."""
    names = []
    for value in values:
        names.append(name := f"{prefix}{len(params)}")
        params[name] = value
    order = iter(names)
    return PLACEHOLDER.sub(lambda m: "%%" if m.group() == "%%" else f"%({next(order)})s", sql)


def _embed(qs: QuerySet, params: dict) -> str:
    """``qs``'s SQL for use inside a statement with named parameters: its own are added to ``params``."""
    return _named(*_sql(qs), params, "q")


# The tables a definition may read, by the alias the statements give them: the PoC and its summary.
_ALIASES = {PoC._meta.db_table: "p", PoCSummary._meta.db_table: "s"}


@functools.lru_cache(maxsize=8)
def _definitions(today: datetime.date) -> tuple[dict[str, str], dict[str, Any]]:
    """The columns ``overdue`` and ``decision_status`` as ``definitions`` has them, compiled for the
    statements: each one's SQL over ``p`` and ``s``, and their parameters (named after the column).
    Compiled once per day a process serves (the same text and values all day); read, never changed,
    by the callers."""
    expressions = {"overdue": definitions.is_overdue(today), "decision_status": definitions.decision_status()}
    sql: dict[str, str] = {}
    params: dict[str, Any] = {}
    for name, expression in expressions.items():
        query = Query(PoC)
        resolved = expression.resolve_expression(query, allow_joins=True)
        tables = {alias: join.table_name for alias, join in query.alias_map.items()}
        if unknown := set(tables.values()) - set(_ALIASES):
            raise ValueError(f"The definition {name} reads {', '.join(sorted(unknown))}, not joined in the statements.")
        resolved = resolved.relabeled_clone({alias: _ALIASES[table] for alias, table in tables.items()})
        sql[name] = _named(*query.get_compiler(connection=connection).compile(resolved), params, f"{name}_")
    return sql, params


def _scope_sql(user, filters: Filters, today: datetime.date, params: dict) -> str:
    """The condition on the PoC (``p``) that keeps the rows of ``portfolio_scope``: ``p.id IN (…)`` over its
    compiled SQL, or ``true`` when it keeps every PoC (a portfolio viewer, no filter)."""
    scope = portfolio_scope(user, filters, today=today)
    if not scope.query.where:
        return "true"
    return f"p.id IN ({_embed(scope.order_by().values('pk'), params)})"


def _read_rows(cursor) -> list[dict]:
    return [dict(zip(ROW_VALUES, values, strict=True)) for values in cursor.fetchall()]


def portfolio_rows(user, filters: Filters, *, today: datetime.date | None = None, chunk: int = 2000):
    """Every row of ``portfolio_scope`` in the asked order, each a dict of ``ROW_VALUES`` (the summary's
    columns None for a PoC not yet summarised), read ``chunk`` rows at a time (one query)."""
    today = today or timezone.localdate()
    params = _parameters(filters, today)
    defined = _definitions(today)[0]
    sql = _ROWS_SQL.format(
        scope=_scope_sql(user, filters, today, params), ordering=_ordering(filters, defined), **defined
    )
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while values := cursor.fetchmany(chunk):
            yield from (dict(zip(ROW_VALUES, row, strict=True)) for row in values)


# --- One row ---------------------------------------------------------------------------------------


def person_name(full_name: str | None, email: str | None) -> str | None:
    """How a person is named on the list (``User.get_full_name``), from the row's values."""
    return None if email is None else (full_name or email)


def weeks_since(kickoff: datetime.date | None, today: datetime.date) -> float | None:
    """Weeks since kickoff, one decimal (``PoC.elapsed_weeks``), from the row's values."""
    return None if kickoff is None else round(max((today - kickoff).days, 0) / 7, 1)


def row(values: dict, today: datetime.date | None = None) -> dict:
    """One row of ``portfolio_rows`` as the API and the CSV show it (the summary read, never computed)."""
    today = today or timezone.localdate()
    due = values["decision_due_date"]
    return {
        "id": values["id"],
        "name": values["name"],
        "business_unit": None
        if values["business_unit_id"] is None
        else {"id": values["business_unit_id"], "name": values["business_unit__name"]},
        "stage": values["stage"],
        "weeks_elapsed": weeks_since(values["kickoff_date"], today),
        "timebox_weeks": values["timebox_weeks"],
        "risk_level": values["portfolio_summary__risk_level"],
        "risk_reason": values["portfolio_summary__risk_reason"],
        "criteria_met": values["portfolio_summary__criteria_met"],
        "decision_due_date": due.isoformat() if due else None,
        "decision_status": values["decision_status"],
        "lead": _person(values, "lead"),
        "decision_maker": _person(values, "decision_maker"),
        "overdue": values["overdue"],
    }


def _person(values: dict, role: str) -> dict | None:
    pk = values[f"{role}_id"]
    return (
        None if pk is None else {"id": pk, "name": person_name(values[f"{role}__full_name"], values[f"{role}__email"])}
    )


# --- The figures over every filtered row -------------------------------------------------------------


# The figures in one statement over the filtered PoCs (``{scope}``: the condition ``portfolio_scope`` keeps),
# each a ``FILTER``ed count or PostgreSQL's ``percentile_cont(0.5)`` (the median, interpolated between the
# two middle values as ``numpy.median`` computes it; the tests compare them). Dates of signature are
# read on the local calendar (``AT TIME ZONE``), as Django's ``__date`` lookups do. Written as SQL, not
# built from expressions per request: composing the ORM's seventeen filtered aggregates cost more
# than running them.
_DECIDED = "p.stage = %(decided)s AND (p.stage_changed_at AT TIME ZONE %(tz)s)::date BETWEEN %(since)s AND %(until)s"
_FIGURES_SQL = (
    "SELECT count(*) AS total, "
    + "".join(f"count(*) FILTER (WHERE p.stage = %(stage_{i})s) AS stage_{i}, " for i in range(len(Stage.values)))
    + "".join(
        f"count(*) FILTER (WHERE p.stage <> %(decided)s AND s.reason_{r} = %(high)s) AS reason_{r}, "
        for r in Reason.values
    )
    + "count(*) FILTER (WHERE {overdue}) AS overdue, "  # the row's column, true or false
    f"count(*) FILTER (WHERE {_DECIDED}) AS decided, "
    f"count(*) FILTER (WHERE {_DECIDED} AND s.decision_outcome = %(go)s) AS go, "
    "count(*) FILTER (WHERE p.kickoff_date BETWEEN %(since)s AND %(until)s) AS started, "
    "percentile_cont(0.5) WITHIN GROUP (ORDER BY (p.stage_changed_at AT TIME ZONE %(tz)s)::date - p.kickoff_date) "
    f"FILTER (WHERE {_DECIDED} AND p.kickoff_date IS NOT NULL) AS median_days"
    "{choices} "
    f"FROM {PoC._meta.db_table} p LEFT JOIN {PoCSummary._meta.db_table} s ON s.poc_id = p.id "
    "WHERE {scope}"
)
# The filter form's choices, read in the same statement: every business unit, and the decision-makers
# of the PoCs the reader may see (``{makers}``: their ids), each ``[id, label]``.
_CHOICES_SQL = (
    ", (SELECT coalesce(json_agg(json_build_array(b.id, b.name)), '[]') "  # noqa: S608 (constant table names)
    f"FROM {BusinessUnit._meta.db_table} b) AS units, "
    "(SELECT coalesce(json_agg(json_build_array(u.id, coalesce(nullif(u.full_name, ''), u.email))), '[]') "
    f"FROM {User._meta.db_table} u WHERE u.id IN ({{makers}})) AS makers"
)


def _figures(cursor, scope_sql: str, params: dict, *, choices_for=None) -> tuple[int, dict, dict]:
    """How many rows the scope has and the figures over all of them, in one query whatever the number
    of PoCs; with ``choices_for`` (a user) the filter form's choices too (else an empty dict)."""
    choices_sql = ""
    if choices_for is not None:
        visible = PoC.objects.visible_to(choices_for).order_by().values("decision_maker_id")
        choices_sql = _CHOICES_SQL.format(makers=_embed(visible, params))
    defined = _definitions(params["today"])[0]
    cursor.execute(_FIGURES_SQL.format(choices=choices_sql, scope=scope_sql, **defined), params)
    columns = [column.name for column in cursor.description]
    counts = dict(zip(columns, cursor.fetchone(), strict=True))
    reasons = [{"reason": reason, "open_pocs": counts[f"reason_{reason}"]} for reason in Reason.values]
    reasons.sort(key=lambda r: (-r["open_pocs"], r["reason"]))
    median_days = counts["median_days"]
    figures = {
        "funnel": {stage: counts[f"stage_{i}"] for i, stage in enumerate(Stage.values)},
        "graduation_rate": {
            "go_over_decided": _ratio(counts["go"], counts["decided"]),
            "go_over_started": _ratio(counts["go"], counts["started"]),
            "go": counts["go"],
            "decided": counts["decided"],
            "started": counts["started"],
            "since": params["since"].isoformat(),
            "until": params["until"].isoformat(),
        },
        "stall_reasons": reasons,
        "median_weeks_to_decision": None if median_days is None else round(median_days / 7, 1),
        "decisions_overdue": counts["overdue"],
    }
    choices = {} if choices_for is None else _choices(counts["units"], counts["makers"])
    return counts["total"], figures, choices


def aggregates(user, filters: Filters, *, today: datetime.date | None = None) -> dict:
    """Funnel, graduation rate, stall reasons, median weeks to decision and decisions overdue over every
    PoC ``user`` may see that the filters keep (all of them, not a page)."""
    today = today or timezone.localdate()
    params = _parameters(filters, today)
    with connection.cursor() as cursor:
        return _figures(cursor, _scope_sql(user, filters, today, params), params)[1]


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class PortfolioPage:
    rows: list[dict]
    count: int
    number: int
    pages: int
    has_next: bool
    has_previous: bool
    aggregates: dict
    choices: dict
    today: datetime.date


def _page_number(page: Any) -> int:
    try:
        return max(1, int(page))
    except (TypeError, ValueError):
        return 1


def portfolio_page(
    user, filters: Filters, *, page: Any = 1, size: int = PAGE_SIZE, with_choices: bool = False
) -> PortfolioPage:
    """One page of the filtered, sorted PoCs (dicts of ``ROW_VALUES``) with the figures over all of them:
    two queries, the scope's SQL built once for both (the figures with the count, and with
    ``with_choices`` the filter form's choices; then the page's rows). A page number past the end
    gives the last page; a bad one the first."""
    today = timezone.localdate()
    params = _parameters(filters, today)
    scope_sql = _scope_sql(user, filters, today, params)
    with connection.cursor() as cursor:
        count, figures, choices = _figures(cursor, scope_sql, params, choices_for=user if with_choices else None)
        pages = max(1, -(-count // size))
        number = min(_page_number(page), pages)
        rows = []
        if count:
            defined = _definitions(today)[0]
            key, direction, join = _sort(filters, defined)
            sql = _PAGE_SQL.format(
                key=key,
                join=join,
                scope=scope_sql,
                ordering=_ordering(filters, defined),
                direction=direction,
                **defined,
            )
            cursor.execute(sql, {**params, "limit": size, "offset": (number - 1) * size})
            rows = _read_rows(cursor)
    return PortfolioPage(
        rows=rows,
        count=count,
        number=number,
        pages=pages,
        has_next=number < pages,
        has_previous=number > 1,
        aggregates=figures,
        choices=choices,
        today=today,
    )


def _choices(units: list, makers: list) -> dict:
    """The choices of the filter form: stages, business units, risk levels and the decision-makers of the
    PoCs the reader may see, each list by name."""

    def by_label(pairs: list) -> list[tuple[int, str]]:
        return sorted(((pk, label) for pk, label in pairs), key=lambda pair: (pair[1].casefold(), pair[0]))

    return {
        "stages": Stage.choices,
        "business_units": by_label(units),
        "risks": RiskLevel.choices,
        "decision_makers": by_label(makers),
        "criteria_total": CRITERIA_TOTAL,
        "reasons": dict(Reason.choices),
    }


# --- The stall-risk column of My PoCs ---------------------------------------------------------------

LEVEL_OF_RANK = {rank: level for level, rank in RISK_RANK.items()}


def summary_strip(summary: PoCSummary) -> list[dict]:
    """The five reasons' stored levels as the risk strip's cells (the header's strip reads the live ones)."""
    cells = []
    for reason in Reason.values:
        level = str(LEVEL_OF_RANK[getattr(summary, f"reason_{reason}")])
        why = summary.risk_why if reason == summary.risk_reason and level != RiskLevel.LOW else ""
        cells.append(
            {
                "reason": reason,
                "short": SHORT_REASON_LABELS[reason],
                "label": Reason(reason).label,
                "level": level,
                "why": why,
            }
        )
    return cells


def list_risk_cells(pocs: list[PoC]) -> dict[int, dict]:
    """The risk strip of each PoC on a page of My PoCs, from the stored summaries: one query for the page.

    A PoC without a summary yet is left out (its cell says it is not judged yet).
    """
    summaries = PoCSummary.objects.filter(poc_id__in=[p.pk for p in pocs]).only(
        "risk_reason", "risk_why", *(f"reason_{r}" for r in Reason.values)
    )
    return {s.poc_id: {"strip": summary_strip(s)} for s in summaries}


# --- The PoC header's drift badge -------------------------------------------------------------------


def drift_badge_context(poc: PoC, page_context) -> dict:
    """The header's "Drift detected" badge, from the stored summary: shown when the PoC is decided and its
    summary says the newest finished re-run of the drift watch dropped beyond its interval (``drift`` is
    only set after a go), with the metric and the drop.

    The stage is on the PoC's row, so the summary is read only for a decided PoC: the header of every
    other PoC costs no query for the badge. It is read through the relation, so a PoC loaded with
    ``select_related("portfolio_summary")`` costs none either.
    """
    summary = None
    if poc.stage == Stage.DECIDED:
        try:
            summary = poc.portfolio_summary
        except PoCSummary.DoesNotExist:  # not judged yet: the refresh after the decision is still queued
            summary = None
    if summary is None or not summary.drift:
        return {"poc": poc, "drift": False}
    drop = -summary.drift_value if summary.drift_value is not None else None
    return {"poc": poc, "drift": True, "metric": summary.drift_metric.replace("_", " "), "drop": drop}
