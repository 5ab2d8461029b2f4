"""SVG charts of the cost model's results (the page shows them; the PDF report can embed them as they are).

Every number is written as text beside its bar and every label is escaped; colours only repeat
what the text already says (each category's segment carries its name and amount, so nothing is
read from colour alone).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 640
BAR = 22
GAP = 14
LABEL = 150
PALETTE = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3", "#8c8c8c", "#ccb974"]
PATTERNS = ["", "4 2", "1 2", "6 2 1 2", "", "4 2", "1 2", "6 2 1 2", ""]


def _escaped(value):
    return value if isinstance(value, int | float) else conditional_escape(value)


def format_html(template: str, *args, **kwargs) -> SafeString:
    """``django.utils.html.format_html`` that leaves numbers as numbers (so ``{:.1f}`` works); text is escaped."""
    return mark_safe(template.format(*map(_escaped, args), **{k: _escaped(v) for k, v in kwargs.items()}))  # noqa: S308


def _svg(height: int, title: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {w} {h}" width="{w}" '
        'height="{h}" aria-label="{t}"><title>{t}</title>{b}</svg>',
        w=WIDTH, h=height, t=title, b=body,
    )


def _num(value) -> float:
    return float(Decimal(str(value))) if value is not None else 0.0


def cost_bars(rows: list[dict], categories: list[str], labels: dict[str, str], currency: str) -> SafeString:
    """Monthly cost per scale, one bar per scale stacked by category, each segment named with its amount."""
    top = max((_num(r["monthly_cost"]) for r in rows), default=0.0) or 1.0
    span = WIDTH - LABEL - 120
    parts = []
    y = 10
    for r in rows:
        x = LABEL
        parts.append(format_html('<text x="{}" y="{}" class="label">{}× · {} {}</text>', 4, y + 15, r["scale"],
                                 r["monthly_cost"], currency))
        for i, category in enumerate(categories):
            amount = _num(r["by_category"].get(category))
            if amount <= 0:
                continue
            w = max(1.0, amount / top * span)
            parts.append(format_html(
                '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="{}" stroke="#222" stroke-dasharray="{}">'
                '<title>{}: {} {}</title></rect>',
                x, y, w, BAR, PALETTE[i % len(PALETTE)], PATTERNS[i % len(PATTERNS)], labels.get(category, category),
                r["by_category"][category], currency,
            ))
            x += w
        y += BAR + GAP
    legend = mark_safe("".join(  # noqa: S308
        format_html('<text x="{}" y="{}" class="legend"><tspan fill="{}">■</tspan> {}</text>',
                    LABEL + (i % 3) * 150, y + 14 + (i // 3) * 16, PALETTE[i % len(PALETTE)], labels.get(c, c))
        for i, c in enumerate(categories)
    ))
    height = y + 20 + ((len(categories) + 2) // 3) * 16
    return _svg(height, "Monthly cost by category at each scale", mark_safe("".join(parts)) + legend)  # noqa: S308


def tornado(bars: list[dict], currency: str, *, scale) -> SafeString:
    """Net value with each line at its low and at its high (the others at likely), largest swing on top."""
    if not bars:
        return _svg(30, f"Sensitivity at {scale}×", format_html('<text x="4" y="20">No cost lines.</text>'))
    values = [_num(b["net_at_low"]) for b in bars] + [_num(b["net_at_high"]) for b in bars]
    lo, hi = min(values), max(values)
    if hi <= lo:
        hi = lo + 1
    left, right = LABEL + 70, WIDTH - 80
    scale_x = (right - left) / (hi - lo)
    parts = []
    y = 10
    for b in bars:
        a, z = _num(b["net_at_high"]), _num(b["net_at_low"])
        x0 = left + (a - lo) * scale_x
        x1 = left + (z - lo) * scale_x
        parts.append(format_html(
            '<text x="4" y="{}" class="label">{}</text>'
            '<rect x="{:.1f}" y="{}" width="{:.1f}" height="{}" fill="#8c8c8c" stroke="#222">'
            '<title>{}: net {} at high, {} at low {}</title></rect>'
            '<text x="{:.1f}" y="{}" text-anchor="end" class="num">{}</text>'
            '<text x="{:.1f}" y="{}" class="num">{}</text>',
            y + 15, b["name"][:24], x0, y, max(1.0, x1 - x0), BAR, b["name"], b["net_at_high"], b["net_at_low"],
            currency, x0 - 3, y + 15, b["net_at_high"], x1 + 3, y + 15, b["net_at_low"],
        ))
        y += BAR + 6
    return _svg(y + 10, f"Sensitivity of net value at {scale}×: each line from high (left) to low (right)",
                mark_safe("".join(parts)))  # noqa: S308


def distribution(histogram: dict | None, row: dict, currency: str) -> SafeString:
    """The Monte Carlo distribution of net value: a histogram, with P10 / P50 / P90 and zero marked in words."""
    if not histogram:
        return _svg(30, "Net value distribution", format_html('<text x="4" y="20">No value figure.</text>'))
    edges = [_num(e) for e in histogram["edges"]]
    counts = histogram["counts"]
    lo, hi = edges[0], edges[-1]
    left, right, base, tall = 10, WIDTH - 10, 130, 100
    sx = (right - left) / ((hi - lo) or 1)
    peak = max(counts) or 1
    parts = []
    for i, count in enumerate(counts):
        x = left + (edges[i] - lo) * sx
        w = (edges[i + 1] - edges[i]) * sx
        h = count / peak * tall
        fill = "#c44e52" if edges[i + 1] <= 0 else "#55a868"
        parts.append(format_html('<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}"></rect>',
                                 x, base - h, max(0.5, w - 1), h, fill))
    marks = [("P10", row.get("p10")), ("P50", row.get("p50")), ("P90", row.get("p90"))]
    if lo < 0 < hi:
        marks.append(("0", "0"))
    for n, (name, value) in enumerate(marks):
        x = left + (_num(value) - lo) * sx
        parts.append(format_html(
            '<line x1="{:.1f}" x2="{:.1f}" y1="{}" y2="{}" stroke="#222" stroke-dasharray="3 2"></line>'
            '<text x="{:.1f}" y="{}" text-anchor="middle" class="num">{} {}</text>',
            x, x, 20, base, x, 150 + (n % 2) * 14, name, value,
        ))
    parts.append(format_html('<text x="{}" y="14" class="num">P(net value &gt; 0) = {} · {} to {} {}</text>',
                             left, row.get("p_net_positive"), histogram["edges"][0], histogram["edges"][-1], currency))
    return _svg(180, "Distribution of monthly net value (Monte Carlo)", mark_safe("".join(parts)))  # noqa: S308
