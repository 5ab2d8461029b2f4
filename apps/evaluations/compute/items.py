"""A dataset's items from CSV or JSONL, with the results files' rules."""

from __future__ import annotations

import csv
import io

from apps.evaluations.compute.common import InputRefused, _rows_text
from apps.evaluations.compute.reading import _decode_check, _json_objects, _json_text, detect_format

ITEM_REQUIRED = ("id", "input", "label")


def parse_items(data: bytes, *, filename: str = "", max_rows: int | None = None) -> list[dict[str, str]]:
    """A dataset's items (``id``, ``input``, ``label``, optional ``segment``) from CSV or JSONL, with the
    results files' rules: UTF-8 text, a header (CSV), the required columns present and filled on every
    row, ids unique, single values (not objects or lists), at most ``max_rows`` rows."""
    data = _decode_check(data)
    if not data.strip():
        raise InputRefused("The file is empty.")
    text = data.decode("utf-8")
    rows: list[dict] = []
    if detect_format(data, filename) == "csv":
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = [h.strip().lower() for h in next(reader)]
        except (StopIteration, csv.Error):
            header = []
        if not any(header):
            raise InputRefused("The first line of the file should name the columns (id, input, label).")
        seen = set()
        for name in header:
            if name in (*ITEM_REQUIRED, "segment") and name in seen:
                raise InputRefused(f"The column {name} appears twice.")
            seen.add(name)
        missing = [c for c in ITEM_REQUIRED if c not in header]
        if missing:
            raise InputRefused(f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                               "Dataset items need id, input, label (segment optional).")
        try:
            for number, values in enumerate(reader, start=1):
                if not values:
                    continue
                if len(values) != len(header):
                    raise InputRefused(f"The file is not valid CSV: row {number} has {len(values)} fields, the header "
                                       f"has {len(header)}.")
                rows.append(dict(zip(header, values, strict=True)))
                if max_rows is not None and len(rows) > max_rows:
                    break
        except csv.Error as exc:
            raise InputRefused(f"The file is not valid CSV: {exc}.") from None
    else:
        for _, obj in _json_objects(text):
            row = {}
            for name, value in obj.items():
                key = str(name).strip().lower()
                if key in (*ITEM_REQUIRED, "segment"):
                    if isinstance(value, dict | list):
                        raise InputRefused(f"Column {key} holds an object or a list, not a single value, on row "
                                           f"{len(rows) + 1}.")
                    row[key] = _json_text(value) or ""
            rows.append(row)
            if max_rows is not None and len(rows) > max_rows:
                break
        missing = [c for c in ITEM_REQUIRED if not any(c in r for r in rows)]
        if rows and missing:
            raise InputRefused(f"Missing required column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}. "
                               "Dataset items need id, input, label (segment optional).")
    if not rows:
        raise InputRefused("The file has no rows.")
    if max_rows is not None and len(rows) > max_rows:
        raise InputRefused(f"The file has more than {max_rows:,} rows (setting HARNESS_MAX_ITEMS).")
    items = []
    for row in rows:
        items.append({"id": (row.get("id") or "").strip(), "input": row.get("input") or "",
                      "label": (row.get("label") or "").strip(), "segment": (row.get("segment") or "").strip()})
    for key in (*ITEM_REQUIRED, "segment"):
        nul = [n for n, item in enumerate(items, start=1) if "\x00" in item[key]]
        if nul:
            raise InputRefused(f"Column {key} holds a NUL character on {_rows_text(nul)}.")
    for key in ITEM_REQUIRED:
        empty = [n for n, item in enumerate(items, start=1) if not item[key].strip()]
        if empty:
            raise InputRefused(f"Column {key} is empty on {_rows_text(empty)}.")
    first: dict[str, int] = {}
    repeated = []
    for number, item in enumerate(items, start=1):
        if first.setdefault(item["id"], number) != number:
            repeated.append(number)
    if repeated:
        item_id = items[repeated[0] - 1]["id"]
        raise InputRefused(f"Column id has duplicates on {_rows_text(repeated)} (id {item_id[:40]!r} is first on "
                           f"row {first[item_id]}).")
    return items
