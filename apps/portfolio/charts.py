"""SVG charts of the portfolio's figures, drawn on the server.

Each bar carries its number as text, and the page prints the same numbers in a table beside the
chart, so nothing is read from the drawing alone. Every label is escaped.
"""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

WIDTH = 340
LABEL = 140
BAR = 20
GAP = 10
FILL = "#4c72b0"
SHORT = 18  # characters of a label that fit left of the bars


def _svg(title: str, height: int, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {} {}" width="{}" '
        'height="{}" aria-label="{}"><title>{}</title>{}</svg>',
        WIDTH,
        height,
        WIDTH,
        height,
        title,
        title,
        body,
    )


def bars(title: str, items: list[tuple[str, float, str]], *, top: float | None = None) -> SafeString:
    """Horizontal bars: each item is (label, value, the value as printed)."""
    if not items:
        return _svg(title, 30, format_html('<text x="4" y="20">Nothing to show.</text>'))
    top = top or max((value for _, value, _ in items), default=0) or 1
    span = WIDTH - LABEL - 45
    rows = []
    for i, (label, value, shown) in enumerate(items):
        y = 6 + i * (BAR + GAP)
        width = f"{max(value / top * span, 0 if value <= 0 else 1):.1f}"
        short = label if len(label) <= SHORT else label[: SHORT - 1] + "…"  # the whole label is in the title
        rows.append(
            (
                LABEL - 6,
                y + BAR * 0.7,
                short,
                LABEL,
                y,
                width,
                BAR,
                FILL,
                label,
                shown,
                f"{LABEL + float(width) + 6:.1f}",
                y + BAR * 0.7,
                shown,
            )
        )
    body = format_html_join(
        "",
        '<text x="{}" y="{}" class="label" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
        '<text x="{}" y="{}" class="value">{}</text>',
        rows,
    )
    return _svg(title, 12 + len(items) * (BAR + GAP), body)


def funnel(funnel_counts: dict[str, int], labels: dict[str, str]) -> SafeString:
    items = [(labels[stage], n, str(n)) for stage, n in funnel_counts.items()]
    return bars("PoCs at each stage", items)


def graduation(rate: dict) -> SafeString:
    items = []
    for key, label in (("go_over_decided", "Go / decided"), ("go_over_started", "Go / started")):
        value = rate[key]
        items.append((label, (value or 0) * 100, "—" if value is None else f"{value:.0%}"))
    return bars("Graduation rate", items, top=100)


def stall_reasons(reasons: list[dict], labels: dict[int, str]) -> SafeString:
    items = [(f"{r['reason']}. {labels[r['reason']]}", r["open_pocs"], str(r["open_pocs"])) for r in reasons]
    return bars("Open PoCs at high risk, by stall reason", items)
