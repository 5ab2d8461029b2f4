"""The integration diagram, laid out in Python and drawn by an SVG template (no external program).

The PoC sits in the middle; the systems it reads from are on the left, those it writes to on the
right, identity providers above and systems it both reads from and writes to below. Integrations
that cross the same boundary are drawn inside one dashed cluster named after it. An item without
an owner or an estimate is coloured and says so in words (the legend repeats both), so nothing is
told by colour alone. The production concerns follow as a row of chips.

Every text goes through the template's escaping, after characters XML cannot carry are replaced,
so any name renders as itself in a well-formed document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import groupby

from django.template.loader import render_to_string

from apps.integrations.models import Direction, Integration, ProductionConcern

MARGIN = 24
BOX_W, BOX_H, GAP = 210, 50, 12
PAD, LABEL_H = 10, 20  # inside a cluster: padding and the boundary's name
COL_GAP = 130  # between a side column and the PoC (room for arrows)
ROW_GAP = 70  # between the identity row, the middle band and the row below
POC_W, POC_H = 220, 80
ZONE_TITLE = 22
CHIP_W, CHIP_H, CHIPS_PER_ROW = 200, 40, 4
NAME_CHARS = 28
LEGEND_W = 740
XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """``text`` with every character XML 1.0 cannot carry replaced (the template escapes the rest)."""
    return XML_INVALID.sub("\ufffd", str(text or ""))


def short(text: str, limit: int = NAME_CHARS) -> str:
    text = " ".join(clean(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def marks(row) -> tuple[str, str]:
    """The box's state (for its colour) and the words that say the same."""
    if not row.is_owned:
        return "unowned", "No owner"
    if not row.is_estimated:
        return "unestimated", "No estimate"
    return ("agreed", "Agreed") if row.is_agreed else ("estimated", row.get_status_display())


def detail(row) -> str:
    """The second line of a box: owner and estimate, or what is missing."""
    state, words = marks(row)
    owner = row.owning_team or (str(row.owner) if row.owner_id else "")
    parts = [words] if state in ("unowned", "unestimated") else []
    if owner:
        parts.append(owner)
    if row.estimate_days is not None:
        parts.append(f"{row.estimate_days.normalize():f} d")
    if state not in ("unowned", "unestimated"):
        parts.append(words)
    return short(" · ".join(parts), 34)


@dataclass
class Box:
    x: float
    y: float
    w: float
    h: float
    name: str
    line: str
    state: str
    title: str
    anchor: str = ""

    @property
    def cx(self):
        return self.x + self.w / 2

    @property
    def cy(self):
        return self.y + self.h / 2


@dataclass
class Cluster:
    x: float
    y: float
    w: float
    h: float
    label: str


@dataclass
class Zone:
    boxes: list[Box] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    w: float = 0
    h: float = 0


def _box(row: Integration, x, y) -> Box:
    state, _ = marks(row)
    title = (f"{clean(row.system)} — {row.get_direction_display().lower()}, {row.get_data_classification_display()}"
             f" data" + (f", crosses {clean(row.boundary)}" if row.boundary else ""))
    return Box(x, y, BOX_W, BOX_H, short(row.system), detail(row), state, title, f"integration-{row.pk}")


def _groups(rows: list[Integration]):
    """Rows grouped by the boundary they cross (none first, then by name)."""
    rows = sorted(rows, key=lambda r: (r.boundary != "", r.boundary.casefold(), r.system.casefold(), r.pk))
    return [(boundary, list(group)) for boundary, group in groupby(rows, key=lambda r: r.boundary)]


def _stack(rows, x, y) -> tuple[list[Box], float]:
    boxes = [_box(row, x, y + i * (BOX_H + GAP)) for i, row in enumerate(rows)]
    return boxes, len(rows) * (BOX_H + GAP) - GAP if rows else 0


def _group(boundary, rows, x, y, zone: Zone) -> tuple[float, float]:
    """Lay one group at (x, y) into ``zone``; returns its width and height."""
    if not boundary:
        boxes, h = _stack(rows, x, y)
        zone.boxes += boxes
        return BOX_W, h
    boxes, h = _stack(rows, x + PAD, y + LABEL_H + PAD)
    w, h = BOX_W + 2 * PAD, LABEL_H + 2 * PAD + h
    zone.clusters.append(Cluster(x, y, w, h, short(boundary, 30)))
    zone.boxes += boxes
    return w, h


def column(rows) -> Zone:
    """A side of the PoC: groups stacked top to bottom, at the origin."""
    zone = Zone(w=BOX_W + 2 * PAD)
    y = 0
    for boundary, group in _groups(rows):
        w, h = _group(boundary, group, 0 if boundary else PAD, y, zone)
        y += h + GAP
    zone.h = max(y - GAP, 0)
    return zone


def row_of_groups(rows) -> Zone:
    """Above or below the PoC: groups side by side, each a column, at the origin."""
    zone = Zone()
    x = 0
    for boundary, group in _groups(rows):
        w, h = _group(boundary, group, x, 0, zone)
        x += w + GAP
        zone.h = max(zone.h, h)
    zone.w = max(x - GAP, 0)
    return zone


def _moved(zone: Zone, dx: float, dy: float) -> Zone:
    for item in [*zone.boxes, *zone.clusters]:
        item.x += dx
        item.y += dy
    return zone


def render(poc, integrations: list[Integration], concerns: list[ProductionConcern]) -> str:
    by = {d: [r for r in integrations if r.direction == d] for d in Direction.values}
    left, right = column(by[Direction.READS_FROM]), column(by[Direction.WRITES_TO])
    top, bottom = row_of_groups(by[Direction.IDENTITY]), row_of_groups(by[Direction.BOTH])

    middle_w = left.w + COL_GAP + POC_W + COL_GAP + right.w
    width = max(middle_w, top.w, bottom.w, CHIPS_PER_ROW * (CHIP_W + GAP) - GAP, LEGEND_W) + 2 * MARGIN
    y = MARGIN
    titles = []
    if top.boxes:
        titles.append({"x": width / 2, "y": y + 14, "text": "Identity providers"})
        y += ZONE_TITLE
        _moved(top, (width - top.w) / 2, y)
        y += top.h + ROW_GAP
    mid_top = y + ZONE_TITLE
    titles += [
        {"x": (width - middle_w) / 2 + left.w / 2, "y": y + 14, "text": "Reads from"},
        {"x": (width + middle_w) / 2 - right.w / 2, "y": y + 14, "text": "Writes to"},
    ]
    mid_h = max(left.h, right.h, POC_H)
    x0 = (width - middle_w) / 2
    _moved(left, x0, mid_top + (mid_h - left.h) / 2)
    _moved(right, x0 + left.w + 2 * COL_GAP + POC_W, mid_top + (mid_h - right.h) / 2)
    center = Box(x0 + left.w + COL_GAP, mid_top + (mid_h - POC_H) / 2, POC_W, POC_H, short(poc.name, 30),
                 "This PoC", "poc", clean(poc.name))
    y = mid_top + mid_h + ROW_GAP
    if bottom.boxes:
        titles.append({"x": width / 2, "y": y + 14, "text": "Reads from and writes to"})
        y += ZONE_TITLE
        _moved(bottom, (width - bottom.w) / 2, y)
        y += bottom.h + ROW_GAP

    edges = []
    for box in left.boxes:
        edges.append({"x1": box.x + box.w, "y1": box.cy, "x2": center.x, "y2": center.cy, "kind": "reads"})
    for box in right.boxes:
        edges.append({"x1": center.x + center.w, "y1": center.cy, "x2": box.x, "y2": box.cy, "kind": "writes"})
    for box in top.boxes:
        edges.append({"x1": center.cx, "y1": center.y, "x2": box.cx, "y2": box.y + box.h, "kind": "identity"})
    for box in bottom.boxes:
        edges.append({"x1": center.cx, "y1": center.y + center.h, "x2": box.cx, "y2": box.y, "kind": "both"})

    chips = []
    if concerns:
        titles.append({"x": width / 2, "y": y + 14, "text": "Production concerns"})
        y += ZONE_TITLE
        chips_x = (width - (CHIPS_PER_ROW * (CHIP_W + GAP) - GAP)) / 2
        for i, concern in enumerate(concerns):
            state, words = ("not_applicable", "Not applicable") if concern.not_applicable else marks(concern)
            chips.append(Box(
                chips_x + (i % CHIPS_PER_ROW) * (CHIP_W + GAP), y + (i // CHIPS_PER_ROW) * (CHIP_H + GAP),
                CHIP_W, CHIP_H, short(concern.label, 30), words if concern.not_applicable else detail(concern),
                state, clean(concern.label), f"concern-{concern.pk}",
            ))
        y += ((len(concerns) - 1) // CHIPS_PER_ROW + 1) * (CHIP_H + GAP) + ROW_GAP / 2

    legend_y = y
    height = legend_y + 40 + MARGIN
    boxes = [*top.boxes, *left.boxes, *right.boxes, *bottom.boxes]
    context = {
        "width": round(width), "height": round(height), "center": center, "boxes": boxes, "chips": chips,
        "clusters": [*top.clusters, *left.clusters, *right.clusters, *bottom.clusters], "edges": edges,
        "titles": titles, "legend_y": legend_y, "name": clean(poc.name),
        "counts": {"integrations": len(integrations), "concerns": len(concerns),
                   "unowned": sum(1 for b in [*boxes, *chips] if b.state == "unowned"),
                   "unestimated": sum(1 for b in [*boxes, *chips] if b.state == "unestimated")},
    }
    return render_to_string("integrations/diagram.svg", context)
