"""The Portfolio page and its CSV export. One view per page; an HTMX request gets the results partial."""

from __future__ import annotations

import csv
from html import escape
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from apps.pocs.models import Stage
from apps.portfolio import charts, selectors
from apps.portfolio.models import RiskLevel

CSV_COLUMNS = (
    "id",
    "name",
    "business_unit",
    "stage",
    "weeks_elapsed",
    "timebox_weeks",
    "risk_level",
    "risk_reason",
    "criteria_met",
    "decision_due_date",
    "decision_status",
    "lead",
    "decision_maker",
    "overdue",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value) -> str:
    """A CSV cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _columns(filters: selectors.Filters) -> list[dict]:
    """Each column's sort link: its natural order, or the reverse when it is the current sort."""
    current, descending = filters.ordering.removeprefix("-"), filters.ordering.startswith("-")
    columns = []
    for key, label in selectors.COLUMN_LABELS.items():
        is_current = key == current
        ordering = key if not (is_current and not descending) else f"-{key}"
        columns.append(
            {
                "key": key,
                "label": label,
                "query": urlencode(filters.query(ordering=ordering, page="")),
                "aria_sort": ("descending" if descending else "ascending") if is_current else None,
            }
        )
    return columns


ROW_HTML = (
    '<tr><td><a href="{url}">{name}</a></td><td>{unit}</td><td><span class="badge stage-{stage}">{stage_label}</span>'
    "</td><td>{weeks}</td><td>{timebox}</td><td>{risk}</td><td>{criteria}</td><td>{due}</td><td>{status}</td>"
    "<td>{lead}</td><td>{maker}</td><td>{overdue}</td></tr>\n"
)
RISK_HTML = '<span class="badge risk-{level}">{label}</span> <span class="muted">R{reason}: {why}</span>'
NOT_SUMMARISED = '<span class="muted">Not yet summarised</span>'
OVERDUE = {True: '<span class="badge risk-high">Overdue</span>', False: '<span class="muted">No</span>'}


def _rows(rows: list[dict], today) -> SafeString:
    """The page's rows as HTML, built here in one pass with every value escaped (``html.escape``, which
    Django's ``escape`` is) so the template only places them: a dozen cells a row through the template
    engine were a large share of the page's time."""
    detail = reverse("pocs:detail", args=[0]).removesuffix("0/")  # "/pocs/": each row adds its id
    statuses = selectors.DecisionStatus.LABELS
    stages = dict(Stage.choices)
    levels = dict(RiskLevel.choices)
    total = selectors.CRITERIA_TOTAL
    html = []
    for r in rows:
        level, weeks, due = (
            r["portfolio_summary__risk_level"],
            selectors.weeks_since(r["kickoff_date"], today),
            r["decision_due_date"],
        )
        html.append(
            ROW_HTML.format(
                url=f"{detail}{int(r['id'])}/",
                name=escape(r["name"]),
                unit=escape(r["business_unit__name"] or "—"),
                stage=escape(r["stage"]),
                stage_label=escape(stages.get(r["stage"], r["stage"])),
                weeks="—" if weeks is None else weeks,
                timebox="—" if r["timebox_weeks"] is None else int(r["timebox_weeks"]),
                risk=NOT_SUMMARISED
                if level is None
                else RISK_HTML.format(
                    level=escape(level),
                    label=escape(levels.get(level, level)),
                    reason=int(r["portfolio_summary__risk_reason"]),
                    why=escape(r["portfolio_summary__risk_why"]),
                ),
                criteria="—" if level is None else f"{int(r['portfolio_summary__criteria_met'])}/{total}",
                due=escape(date_format(due, "j M Y")) if due else "—",
                status=escape(statuses.get(r["decision_status"], r["decision_status"])),
                lead=escape(selectors.person_name(r["lead__full_name"], r["lead__email"]) or "—"),
                maker=escape(selectors.person_name(r["decision_maker__full_name"], r["decision_maker__email"]) or "—"),
                overdue=OVERDUE[r["overdue"]],
            )
        )
    return mark_safe("".join(html))  # noqa: S308 (every value above is escaped or a number)


@login_required
@require_GET
def portfolio(request):
    """Every PoC the reader may see, filtered and sorted from the URL, with the figures over them."""
    filters = selectors.parse_filters(request.GET)
    page = selectors.portfolio_page(request.user, filters, page=request.GET.get("page") or 1, with_choices=True)
    figures = page.aggregates
    stage_labels = dict(Stage.choices)
    choices = page.choices
    context = {
        "filters": filters,
        "page": page,
        "figures": figures,
        "choices": choices,
        "columns": _columns(filters),
        "stage_labels": stage_labels,
        "query": urlencode(filters.query()),
        "funnel_rows": [(stage_labels[s], n) for s, n in figures["funnel"].items()],
        "reason_rows": [
            (r["reason"], choices["reasons"][r["reason"]], r["open_pocs"]) for r in figures["stall_reasons"]
        ],
        "charts": {
            "funnel": charts.funnel(figures["funnel"], stage_labels),
            "graduation": charts.graduation(figures["graduation_rate"]),
            "reasons": charts.stall_reasons(figures["stall_reasons"], choices["reasons"]),
        },
        "previous_query": urlencode(filters.query(page=page.number - 1)),
        "next_query": urlencode(filters.query(page=page.number + 1)),
    }
    context["rows"] = _rows(page.rows, page.today)
    context["index_url"] = reverse("portfolio:index")
    context["csv_url"] = reverse("portfolio:csv")
    status = 400 if filters.errors else 200
    if request.htmx and request.htmx.target == "portfolio-results":
        return render(request, "portfolio/index.html#results", context, status=status)
    return render(request, "portfolio/index.html", context, status=status)


class _Line:
    """What ``csv.writer`` writes to: ``writerow`` hands back the line it wrote."""

    def write(self, text: str) -> str:
        return text


CSV_CHUNK = 500  # rows a streamed piece of the CSV holds


def _csv_lines(rows, today):
    """The CSV's lines, ``CSV_CHUNK`` rows a piece, written from plain values as the rows are read."""
    writer = csv.writer(_Line())
    lines = [writer.writerow(CSV_COLUMNS)]
    for r in rows:
        due = r["decision_due_date"]
        lines.append(
            writer.writerow(
                [
                    r["id"],
                    neutralise(r["name"]),
                    neutralise(r["business_unit__name"]),
                    r["stage"],
                    selectors.weeks_since(r["kickoff_date"], today),
                    r["timebox_weeks"],
                    r["portfolio_summary__risk_level"],
                    r["portfolio_summary__risk_reason"],
                    r["portfolio_summary__criteria_met"],
                    due.isoformat() if due else None,
                    r["decision_status"],
                    neutralise(selectors.person_name(r["lead__full_name"], r["lead__email"])),
                    neutralise(selectors.person_name(r["decision_maker__full_name"], r["decision_maker__email"])),
                    r["overdue"],
                ]
            )
        )
        if len(lines) >= CSV_CHUNK:
            yield "".join(lines)
            lines = []
    if lines:
        yield "".join(lines)


@login_required
@require_GET
def portfolio_csv(request):
    """The filtered table as CSV, every row (not a page), formula-like cells neutralised; streamed row by
    row from plain values (no model, serializer or template per row)."""
    filters = selectors.parse_filters(request.GET)
    today = timezone.localdate()
    rows = selectors.portfolio_rows(request.user, filters, today=today)
    response = StreamingHttpResponse(_csv_lines(rows, today), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="portfolio-{today.isoformat()}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
