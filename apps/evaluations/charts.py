"""Charts as SVG, written by hand: the numbers are text in the drawing, and each chart carries its own text alternative.

Every chart is an ``<svg role="img">`` labelled by its ``<title>`` and a ``<desc>`` that states
every number drawn, so a screen reader (and the PDF's text layer) reads the same as the eye.
Nothing depends on colour alone: values and intervals are written beside their marks, the best
row and the target are named in words, the heat map prints each cell's count. Every label is
escaped; no style attribute or script is used (the pages' Content-Security-Policy allows neither).

- ``interval_chart``: a value with its interval per row (model versions, segments), optionally
  as bars from zero, with a dashed target line;
- ``latency_chart``: the latency percentiles as bars with their intervals, and the maximum;
- ``heatmap``: the confusion matrix, shade by count, counts as text.
"""

from __future__ import annotations

import math

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ROW = 28
LABEL_W = 190
PLOT_W = 300
TEXT_W = 200
TOP = 44
INK = "#1f2933"
MUTED = "#616e7c"
MARK = "#1f5fa8"
LIGHT = "#c9d8ea"


def _num(value, digits: int) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _scale(rows: list[dict], extra: list[float], *, from_zero: bool, unit_interval: bool):
    values = [v for r in rows for v in (r.get("ci_low"), r.get("value"), r.get("ci_high")) if v is not None]
    values += [v for v in extra if v is not None]
    if from_zero:
        values.append(0.0)
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    if unit_interval and low >= 0 and high <= 1:
        low, high = (0.0 if from_zero else max(0.0, low - 0.05)), min(1.0, high + 0.05) if not from_zero else 1.0
    if math.isclose(low, high):
        low, high = low - 0.5, high + 0.5
    pad = 0 if unit_interval else (high - low) * 0.05
    low, high = (low if from_zero else low - pad), high + pad
    return lambda v: LABEL_W + (v - low) / (high - low) * PLOT_W, low, high


def _frame(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> SafeString:
    width = LABEL_W + PLOT_W + TEXT_W
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" font-family="sans-serif" font-size="12">'
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
        f'<text x="0" y="16" font-weight="bold" fill="{INK}">{escape(title)}</text>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - every label above and in body is escaped


def interval_chart(chart_id: str, title: str, rows: list[dict], *, digits: int = 3, bars: bool = False,
                   target: float | None = None, target_label: str = "target", unit_interval: bool = True,
                   unit: str = "") -> SafeString:
    """One row per ``{"label", "value", "ci_low", "ci_high", "note"}``: a dot (or a bar from zero) and its interval."""
    x, low, high = _scale(rows, [target] if target is not None else [], from_zero=bars, unit_interval=unit_interval)
    height = TOP + ROW * max(1, len(rows)) + 34
    body = []
    said = []
    for i, row in enumerate(rows):
        y = TOP + ROW * i + ROW / 2
        label = str(row["label"])
        note = f" ({row['note']})" if row.get("note") else ""
        body.append(f'<text x="0" y="{y + 4:.1f}" fill="{INK}">{escape(label[:32])}{escape(note)}</text>')
        value, ci_low, ci_high = row.get("value"), row.get("ci_low"), row.get("ci_high")
        if value is not None and bars:
            body.append(f'<rect x="{x(min(0, value)):.1f}" y="{y - 8:.1f}" width="{abs(x(value) - x(0)):.1f}" '
                        f'height="16" fill="{LIGHT}" stroke="{MARK}"/>')
        if ci_low is not None and ci_high is not None:
            body.append(f'<line x1="{x(ci_low):.1f}" y1="{y:.1f}" x2="{x(ci_high):.1f}" y2="{y:.1f}" '
                        f'stroke="{INK}" stroke-width="2"/>')
            for end in (ci_low, ci_high):
                body.append(f'<line x1="{x(end):.1f}" y1="{y - 6:.1f}" x2="{x(end):.1f}" y2="{y + 6:.1f}" '
                            f'stroke="{INK}" stroke-width="2"/>')
        if value is not None and not bars:
            body.append(f'<circle cx="{x(value):.1f}" cy="{y:.1f}" r="5" fill="{MARK}"/>')
        interval = (f" [{_num(ci_low, digits)}, {_num(ci_high, digits)}]" if ci_low is not None else "")
        text = f"{_num(value, digits)}{unit}{interval}"
        body.append(f'<text x="{LABEL_W + PLOT_W + 10}" y="{y + 4:.1f}" fill="{INK}">{escape(text)}</text>')
        said.append(f"{label}{note}: {text}")
    axis_y = TOP + ROW * max(1, len(rows)) + 4
    body.append(f'<line x1="{LABEL_W}" y1="{axis_y}" x2="{LABEL_W + PLOT_W}" y2="{axis_y}" stroke="{MUTED}"/>')
    for tick in (low, (low + high) / 2, high):
        body.append(f'<text x="{x(tick):.1f}" y="{axis_y + 14}" text-anchor="middle" fill="{MUTED}">'
                    f'{escape(_num(tick, digits if unit_interval else 0))}</text>')
    if target is not None:
        top, bottom = TOP - 4, axis_y
        body.append(f'<line x1="{x(target):.1f}" y1="{top}" x2="{x(target):.1f}" y2="{bottom}" stroke="{INK}" '
                    'stroke-dasharray="4 3"/>')
        body.append(f'<text x="{x(target):.1f}" y="{TOP - 8}" text-anchor="middle" fill="{INK}">'
                    f'{escape(target_label)} {escape(_num(target, digits))}{escape(unit)}</text>')
        said.append(f"{target_label}: {_num(target, digits)}{unit}")
    desc = f"{title}. " + "; ".join(said) + ". Values with their 95% intervals in brackets."
    return _frame(chart_id, title, desc, height + 10, body)


def latency_chart(chart_id: str, latency: dict, *, max_ms: float | None = None, percentile: str | None = None):
    """The latency percentiles (p50 … p99) as bars with their intervals, in milliseconds."""
    rows = [{"label": key, **value} for key, value in latency.items()]
    label = f"maximum for {percentile}" if percentile else "maximum"
    return interval_chart(chart_id, "Latency percentiles (ms)", rows, digits=0, bars=True, target=max_ms,
                          target_label=label, unit_interval=False, unit=" ms")


def heatmap(chart_id: str, labels: list[str], matrix: list[list[int]]) -> SafeString:
    """The confusion matrix: rows the true labels, columns the predictions; each cell's count is written in it."""
    k = len(labels)
    cell = max(28, min(56, 360 // max(1, k)))
    left, top = 130, 60
    top_count = max((max(r) for r in matrix), default=0) or 1
    body = [f'<text x="{left}" y="{top - 28}" fill="{MUTED}">predicted →</text>',
            f'<text x="0" y="{top - 8}" fill="{MUTED}">true ↓</text>']
    for j, label in enumerate(labels):
        body.append(f'<text x="{left + cell * j + cell / 2:.1f}" y="{top - 8}" text-anchor="middle" '
                    f'fill="{INK}">{escape(str(label)[:8])}</text>')
    said = []
    for i, (label, counts) in enumerate(zip(labels, matrix, strict=True)):
        y = top + cell * i
        body.append(f'<text x="0" y="{y + cell / 2 + 4:.1f}" fill="{INK}">{escape(str(label)[:18])}</text>')
        for j, count in enumerate(counts):
            share = count / top_count
            shade = int(round(255 - 200 * share))
            fill = f"#{shade:02x}{min(255, shade + 20):02x}ff" if count else "#ffffff"
            ink = "#ffffff" if share > 0.55 else INK
            body.append(f'<rect x="{left + cell * j}" y="{y}" width="{cell}" height="{cell}" fill="{fill}" '
                        f'stroke="{MUTED}"/>')
            weight = ' font-weight="bold"' if i == j else ""
            body.append(f'<text x="{left + cell * j + cell / 2:.1f}" y="{y + cell / 2 + 4:.1f}" text-anchor="middle" '
                        f'fill="{ink}"{weight}>{count}</text>')
        said.append(f"true {label}: " + ", ".join(f"{c} predicted {p}" for p, c in zip(labels, counts, strict=True)))
    width = left + cell * k + 20
    height = top + cell * k + 10
    title = "Confusion matrix"
    desc = (f"{title}, rows are the true labels, columns the predictions, correct predictions on the diagonal "
            f"in bold. " + "; ".join(said) + ".")
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" font-family="sans-serif" font-size="12">'
        f'<title id="{escape(chart_id)}-title">{title}</title><desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - labels escaped above
