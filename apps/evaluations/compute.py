"""Evaluation results: parse → validate → compute, with no Django in sight.

``parse(data, …)`` reads a CSV or JSONL file with a columnar reader (pyarrow) into a ``Table`` of
columns; ``validate(table, …)`` checks it and turns it into an ``Outcomes`` of NumPy arrays (or
raises ``InputRefused`` naming the rows and columns at fault); ``compute(outcomes, resamples=,
seed=)`` returns the results as plain JSON-ready data. Rows are numbered from 1, the header of a
CSV file not counted (row 1 is the first data row; in a JSONL file, the first non-blank line).
``parse`` also recognises the files of common evaluation tools (``importers``: lm-evaluation-harness,
promptfoo, MLflow) and reads them as the JSONL they stand for.

Point metrics are those of scikit-learn (``labels = sorted(set(label) | set(prediction))``,
``zero_division=0``), computed from the confusion matrix. Intervals are 95% percentile bootstrap
intervals, drawn so that each equals in distribution what resampling the rows would give:

- a statistic of the confusion matrix (accuracy, macro and per-class precision / recall / F1):
  multinomial draws over the matrix's cells;
- a segment's accuracy and the pass rate: binomial draws of the number of correct (passed) rows;
- the mean score: multinomial draws over the distinct scores (resampled row indices for small
  files; for more than 4,096 distinct scores in a large file, over 4,096 quantile bins, each
  standing for its rows' mean, which changes an interval by far less than its width);
- a latency percentile: the two order statistics of a resample it interpolates, drawn exactly
  from the order statistics of uniforms (Beta draws) and read off the sorted latencies.

Every draw comes from a generator seeded with ``(seed, stream)``, one stream per statistic, so a
recompute with the same seed gives the same numbers, byte for byte.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import math
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from apps.evaluations import importers

CLASSIFICATION, GRADED = "classification", "graded"
REQUIRED = {CLASSIFICATION: ("id", "label", "prediction"), GRADED: ("id", "score")}
OPTIONAL = ("passed", "segment", "latency_ms", "timestamp", "failure_mode")
KNOWN = ("id", "label", "prediction", "score", *OPTIONAL)
PERCENTILES = (50, 90, 95, 99)
CONFIDENCE = 0.95
SHOWN_ROWS = 5  # rows named in a message before "and N more"
NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
NOT_FINITE = r"^[+-]?(?i:nan|inf|infinity)$"
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")
MAX_BINS = 4096
INDEX_BUDGET = 20_000_000  # resampled row indices drawn at once for the mean score
BATCH_CELLS = 4_000_000  # counts held at once while drawing


class InputRefused(ValueError):
    """The file cannot be evaluated; the message names the rows and columns at fault."""


# --- parse -----------------------------------------------------------------------------------------


@dataclass
class Table:
    """The file's known columns (lower-case names) as pyarrow arrays, and its number of rows."""

    columns: dict[str, pa.Array]
    rows: int
    format: str  # "csv" or "jsonl"
    imported: str = ""  # the tool whose file it was (importers.NAMES), read as JSONL
    notes: list[str] = field(default_factory=list)  # what the import read and left out


def _rows_text(rows: np.ndarray | list[int]) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
    more = f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def _decode_check(data: bytes) -> bytes:
    """The data without its byte-order mark; refuses bytes that are not UTF-8, naming the row."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputRefused(
            f"The file is not UTF-8 text (the encoding tried: UTF-8, with or without a byte-order mark): "
            f"undecodable byte 0x{data[exc.start]:02x} on line {line} (byte {exc.start + 1}). "
            "Save it as UTF-8 and upload it again."
        ) from None
    if b"\x00" in data:
        line = data.count(b"\n", 0, data.index(b"\x00")) + 1
        raise InputRefused(f"The file contains a NUL byte on line {line}; it is not a text file.")
    return data


def detect_format(data: bytes, filename: str = "") -> str:
    name = filename.lower()
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if name.endswith((".csv", ".txt")):
        return "csv"
    return "jsonl" if data.lstrip()[:1] == b"{" else "csv"


def parse(data: bytes, *, filename: str = "", max_rows: int | None = None) -> Table:
    """Read a CSV or JSONL results file into its known columns; refuse what cannot be read."""
    data = _decode_check(data)
    if not data.strip():
        raise InputRefused("The file is empty.")
    tool = importers.detect(data)
    notes: list[str] = []
    if tool is not None:  # a known tool's output: read as the portal's JSONL, then exactly as an upload of it
        try:
            data, notes = importers.convert(data, tool)
        except importers.ImportRefused as refused:
            raise InputRefused(f"{importers.NAMES[tool].capitalize()}: {refused}") from None
    fmt = "jsonl" if tool else detect_format(data, filename)
    if max_rows is not None and not (fmt == "csv" and b'"' in data):  # quoted cells may span lines
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1) - (1 if fmt == "csv" else 0)
        if lines > max_rows and fmt == "jsonl":
            lines = sum(1 for line in data.splitlines() if line.strip())
        if lines > max_rows:
            raise InputRefused(f"The file has {lines:,} rows; the limit is {max_rows:,} (setting EVAL_MAX_ROWS).")
    table = _parse_csv(data) if fmt == "csv" else _parse_jsonl(data)
    if table.rows == 0:
        raise InputRefused("The file has a header but no rows." if fmt == "csv" else "The file has no rows.")
    if max_rows is not None and table.rows > max_rows:
        raise InputRefused(f"The file has {table.rows:,} rows; the limit is {max_rows:,} (setting EVAL_MAX_ROWS).")
    if tool is not None:
        table.imported, table.notes = importers.NAMES[tool], notes
    return table


def _known_names(names: list[str]) -> dict[str, str]:
    """Lower-case known column name → the name as written; refuses a known column given twice."""
    found: dict[str, str] = {}
    for name in names:
        key = str(name).strip().lower()
        if key in KNOWN:
            if key in found:
                raise InputRefused(f"The column {key} appears twice (columns {found[key]!r} and {name!r}).")
            found[key] = name
    return found


def _parse_csv(data: bytes) -> Table:
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
    try:
        header = next(csv.reader([first]))
    except (csv.Error, StopIteration):
        header = []
    if not any(h.strip() for h in header):
        raise InputRefused("The first line of the file should name the columns (id, label, prediction or id, score).")
    known = _known_names(header)
    if not known:
        raise InputRefused(_missing_message(set(), header))
    bad_rows: list[str] = []

    def invalid(row) -> str:
        where = f"line {row.number}" if row.number is not None else "a row"
        bad_rows.append(f"{where} has {row.actual_columns} fields, the header has {row.expected_columns}")
        return "error"

    try:
        arrow = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=pa_csv.ReadOptions(column_names=header, skip_rows=1, use_threads=True),
            parse_options=pa_csv.ParseOptions(newlines_in_values=b'"' in data, invalid_row_handler=invalid),
            convert_options=pa_csv.ConvertOptions(
                column_types=dict.fromkeys(known.values(), pa.string()),
                include_columns=list(known.values()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowNotImplementedError) as exc:
        if bad_rows:
            raise InputRefused(f"The file is not valid CSV: {bad_rows[0]}.") from None
        raise InputRefused(f"The file is not valid CSV: {_arrow_message(exc)}") from None
    if bad_rows:
        raise InputRefused(f"The file is not valid CSV: {bad_rows[0]}.")
    columns = {key: arrow.column(name).combine_chunks() for key, name in known.items()}
    return Table(columns, arrow.num_rows, "csv")


def _arrow_message(exc: Exception) -> str:
    text = str(exc).split("\n")[0]
    return text.removeprefix("CSV parse error: ").removeprefix("JSON parse error: ")[:300]


def _parse_jsonl(data: bytes) -> Table:
    try:
        arrow = pa_json.read_json(
            io.BytesIO(data), parse_options=pa_json.ParseOptions(unexpected_field_behavior="infer")
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowKeyError):
        return _parse_jsonl_lines(data)  # mixed types or a bad line: read line by line to name it
    known = _known_names(arrow.column_names)
    columns = {}
    for key, name in known.items():
        column = arrow.column(name).combine_chunks()
        if pa.types.is_struct(column.type) or pa.types.is_list(column.type) or pa.types.is_large_list(column.type):
            rows = np.flatnonzero(column.is_valid().to_numpy(zero_copy_only=False)) + 1
            raise InputRefused(f"Column {key} holds an object or a list, not a single value, on {_rows_text(rows)}.")
        columns[key] = column
    return Table(columns, arrow.num_rows, "jsonl")


def _parse_jsonl_lines(data: bytes) -> Table:
    """The slow reading, used only when the columnar reader refuses the file: names the line at fault."""
    values: dict[str, list] = {}
    row = 0
    lines = data.decode("utf-8").splitlines()
    names: dict[str, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputRefused(f"Line {number} is not valid JSON ({exc.msg}).") from None
        if not isinstance(obj, dict):
            raise InputRefused(f"Line {number} is not a JSON object; each line must be one object.")
        for name, value in obj.items():
            key = name.strip().lower()
            if key not in KNOWN:
                continue
            if names.setdefault(key, name) != name and name in obj and names[key] in obj:
                raise InputRefused(f"Line {number}: the column {key} appears twice ({names[key]!r} and {name!r}).")
            if isinstance(value, dict | list):
                raise InputRefused(f"Column {key} holds an object or a list, not a single value, on row {row + 1}.")
            column = values.setdefault(key, [None] * row)
            column.extend([None] * (row - len(column)))
            column.append(_json_text(value))
        row += 1
    columns = {}
    for key, column in values.items():
        column.extend([None] * (row - len(column)))
        columns[key] = pa.array(column, type=pa.string())
    return Table(columns, row, "jsonl")


def _json_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return repr(value)
    return str(value)


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
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError as exc:
                raise InputRefused(f"Line {number} is not valid JSON ({exc.msg}).") from None
            if not isinstance(obj, dict):
                raise InputRefused(f"Line {number} is not a JSON object; each line must be one object.")
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


# --- validate --------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """A validated file as arrays: what ``compute`` works on."""

    kind: str
    n: int
    labels: list[str] = field(default_factory=list)  # classification: sorted(set(label) | set(prediction))
    y_true: np.ndarray | None = None  # codes into ``labels``
    y_pred: np.ndarray | None = None
    score: np.ndarray | None = None  # graded
    passed: np.ndarray | None = None  # graded, when a passed column or a threshold is given
    segments: list[str] = field(default_factory=list)
    segment: np.ndarray | None = None  # codes into ``segments``
    latency: np.ndarray | None = None
    timestamp: np.ndarray | None = None  # seconds since the epoch
    failure_modes: list[str] = field(default_factory=list)
    failure_mode: np.ndarray | None = None  # codes into ``failure_modes``; -1 for none
    warnings: list[str] = field(default_factory=list)


def _missing_message(present: set[str], header) -> str:
    if "label" in present or "prediction" in present:
        need, kind = REQUIRED[CLASSIFICATION], "A classification file"
    elif "score" in present:
        need, kind = REQUIRED[GRADED], "A graded file"
    else:
        shown = ", ".join(str(h) for h in list(header)[:10]) or "none"
        return (
            "Missing required columns: the file needs id, label, prediction (classification) or id, score "
            f"(graded). Columns found: {shown}."
        )
    missing = [c for c in need if c not in present]
    plural = "s" if len(missing) > 1 else ""
    return f"Missing required column{plural}: {', '.join(missing)}. {kind} needs {', '.join(need)}."


def _to_numpy(array: pa.Array) -> np.ndarray:
    return array.to_numpy(zero_copy_only=False)


def _text(table: Table, key: str) -> pa.Array:
    """A column as trimmed text, nulls (JSON null or absent) as ""."""
    column = table.columns[key]
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        if pa.types.is_boolean(column.type):
            column = pc.if_else(column, "true", "false")
        column = pc.cast(column, pa.string())
    return pc.utf8_trim_whitespace(pc.fill_null(column, ""))


def _empty_rows(text: pa.Array) -> np.ndarray:
    return np.flatnonzero(_to_numpy(pc.equal(text, ""))) + 1


def _required_text(table: Table, key: str) -> pa.Array:
    text = _text(table, key)
    empty = _empty_rows(text)
    if empty.size:
        raise InputRefused(f"Column {key} is empty on {_rows_text(empty)}.")
    return text


def _numbers(table: Table, key: str, *, what: str) -> np.ndarray:
    """A numeric column as float64; refuses empty, non-numeric and non-finite values, naming the rows."""
    column = table.columns[key]
    if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
        empty = np.flatnonzero(_to_numpy(column.is_null())) + 1
        if empty.size:
            raise InputRefused(f"Column {key} is empty on {_rows_text(empty)}; {what}.")
        values = _to_numpy(pc.cast(column, pa.float64()))
    else:
        try:  # the usual case: every value is a number as written
            values = _to_numpy(pc.cast(column, pa.float64()))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            values = None
        if values is not None:
            _refuse_not_finite(key, values, what)
            return values
        text = _text(table, key)
        empty = _empty_rows(text)
        if empty.size:
            raise InputRefused(f"Column {key} is empty on {_rows_text(empty)}; {what}.")
        ok = pc.or_(pc.match_substring_regex(text, NUMBER), pc.match_substring_regex(text, NOT_FINITE))
        bad = np.flatnonzero(~_to_numpy(ok)) + 1
        if bad.size:
            example = text[int(bad[0]) - 1].as_py()
            raise InputRefused(
                f"Column {key} is not a number on {_rows_text(bad)} (row {bad[0]}: {example[:40]!r}); {what}."
            )
        values = _to_numpy(pc.cast(text, pa.float64()))
    _refuse_not_finite(key, values, what)
    return values


def _refuse_not_finite(key: str, values: np.ndarray, what: str) -> None:
    infinite = np.flatnonzero(~np.isfinite(values)) + 1
    if infinite.size:
        raise InputRefused(f"Column {key} is NaN or infinite on {_rows_text(infinite)}; {what}.")


def _encoded(table: Table, key: str) -> tuple[np.ndarray, list[str]]:
    """A text column as integer codes into its distinct values (trimmed, sorted; "" for empty or null).

    Only the distinct values are trimmed and compared, so a column of a million rows with a few
    classes costs one hash pass.
    """
    column = table.columns[key]
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        if pa.types.is_boolean(column.type):
            column = pc.if_else(column, "true", "false")
        column = pc.cast(column, pa.string())
    encoded = pc.fill_null(column, "").dictionary_encode()
    raw = [str(v).strip() for v in encoded.dictionary.to_pylist()]
    values = sorted(set(raw))
    index = {v: i for i, v in enumerate(values)}
    remap = np.array([index[v] for v in raw], dtype=np.int64)
    return remap[_to_numpy(encoded.indices).astype(np.int64)], values


def _refuse_empty(key: str, codes: np.ndarray, values: list[str]) -> None:
    if values and values[0] == "":
        rows = np.flatnonzero(codes == 0) + 1
        raise InputRefused(f"Column {key} is empty on {_rows_text(rows)}.")


def _merged(a: tuple[np.ndarray, list[str]], b: tuple[np.ndarray, list[str]]):
    """Two encoded columns over one sorted set of values."""
    values = sorted(set(a[1]) | set(b[1]))
    index = {v: i for i, v in enumerate(values)}
    remap_a = np.array([index[v] for v in a[1]], dtype=np.int64)
    remap_b = np.array([index[v] for v in b[1]], dtype=np.int64)
    return remap_a[a[0]], remap_b[b[0]], values


def _check_ids(table: Table) -> None:
    column = table.columns["id"]
    try:  # whole-number ids (the usual case): sorted integers show any duplicate
        numbers = _to_numpy(pc.cast(column, pa.int64()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        numbers = None
    if numbers is not None and not column.null_count:
        ordered = np.sort(numbers)
        if not (ordered[1:] == ordered[:-1]).any():
            return
    ids = _required_text(table, "id")
    encoded = ids.dictionary_encode()
    if len(encoded.dictionary) == len(ids):
        return
    codes = _to_numpy(encoded.indices).astype(np.int64)
    counts = np.bincount(codes)
    repeated = np.flatnonzero(counts[codes] > 1) + 1
    first = encoded.dictionary[int(codes[repeated[0] - 1])].as_py()
    same = np.flatnonzero(codes == codes[repeated[0] - 1]) + 1
    raise InputRefused(
        f"Column id has duplicates on {_rows_text(repeated)} (id {first[:40]!r} is on {_rows_text(same)})."
    )


def _booleans(table: Table, key: str) -> np.ndarray:
    text = pc.utf8_lower(_text(table, key))
    true = _to_numpy(pc.is_in(text, value_set=pa.array(TRUE_WORDS)))
    false = _to_numpy(pc.is_in(text, value_set=pa.array(FALSE_WORDS)))
    bad = np.flatnonzero(~(true | false)) + 1
    if bad.size:
        example = text[int(bad[0]) - 1].as_py()
        raise InputRefused(
            f"Column {key} is not true or false on {_rows_text(bad)} (row {bad[0]}: {example[:40]!r})."
        )
    return true


def _timestamps(table: Table) -> np.ndarray:
    text = _text(table, "timestamp")
    empty = _empty_rows(text)
    if empty.size:
        raise InputRefused(f"Column timestamp is empty on {_rows_text(empty)}; give an ISO 8601 time on every row.")
    # Arrow reads ISO 8601 with "Z" or an offset as UTC; a time without one is read as UTC too.
    normalised = pc.replace_substring_regex(text, r"^(\d{4}-\d{2}-\d{2}) ", r"\1T")
    has_zone = pc.match_substring_regex(normalised, r"(Z|z|[+-]\d{2}:?\d{2})$")
    with_zone = pc.if_else(has_zone, normalised, pc.binary_join_element_wise(normalised, "Z", ""))
    try:
        parsed = pc.cast(with_zone, pa.timestamp("us", tz="UTC"))
        return _to_numpy(pc.cast(parsed, pa.int64())).astype(np.float64) / 1e6
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    bad = []  # find the rows at fault (only when the columnar cast refused the column)
    for row, value in enumerate(text.to_pylist(), start=1):
        try:
            datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            bad.append(row)
    if not bad:
        bad = [1]
    example = text[bad[0] - 1].as_py()
    raise InputRefused(
        f"Column timestamp is not an ISO 8601 time on {_rows_text(bad)} (row {bad[0]}: {example[:40]!r}), "
        "e.g. 2025-03-01T14:05:00Z."
    )


def validate(table: Table, *, pass_threshold: float | None = None) -> Outcomes:
    """Check the columns and values; the arrays ``compute`` needs, or ``InputRefused``."""
    present = set(table.columns)
    if {"label", "prediction"} <= present:
        kind = CLASSIFICATION
    elif "score" in present and not ({"label", "prediction"} & present):
        kind = GRADED
    else:
        raise InputRefused(_missing_message(present, sorted(present)))
    if "id" not in present:
        raise InputRefused(_missing_message(present, sorted(present)))
    out = Outcomes(kind=kind, n=table.rows)
    _check_ids(table)
    if kind == CLASSIFICATION:
        label, prediction = _encoded(table, "label"), _encoded(table, "prediction")
        _refuse_empty("label", *label)
        _refuse_empty("prediction", *prediction)
        out.y_true, out.y_pred, out.labels = _merged(label, prediction)
        unseen = sorted(set(np.unique(out.y_pred).tolist()) - set(np.unique(out.y_true).tolist()))
        if unseen:
            names = ", ".join(repr(out.labels[c]) for c in unseen[:10])
            out.warnings.append(
                f"Predicted class{'es' if len(unseen) > 1 else ''} never seen among the labels: {names}."
            )
    else:
        out.score = _numbers(table, "score", what="every row needs a numeric score")
        if pass_threshold is not None:
            out.passed = out.score >= pass_threshold
            if "passed" in present:
                out.warnings.append(f"The passed column was ignored: the pass threshold {pass_threshold:g} decides.")
        elif "passed" in present:
            out.passed = _booleans(table, "passed")
        else:
            out.warnings.append("No passed column and no pass threshold: the pass rate is not computed.")
    if "segment" in present:
        out.segment, out.segments = _encoded(table, "segment")
        out.segments = [s or "(blank)" for s in out.segments]
    if "latency_ms" in present:
        out.latency = _numbers(table, "latency_ms", what="latencies are numbers of milliseconds")
        negative = np.flatnonzero(out.latency < 0) + 1
        if negative.size:
            raise InputRefused(f"Column latency_ms is negative on {_rows_text(negative)}.")
    if "timestamp" in present:
        out.timestamp = _timestamps(table)
    if "failure_mode" in present:
        codes, modes = _encoded(table, "failure_mode")
        if modes and modes[0] == "":
            codes, modes = codes - 1, modes[1:]
        out.failure_mode, out.failure_modes = codes, modes
    return out


# --- compute ---------------------------------------------------------------------------------------

STREAMS = {"overall": 1, "per_class": 2, "mean_score": 3, "pass_rate": 4, "segments": 5, "latency": 6, "paired": 7}


def _rng(seed: int, stream: str, index: int = 0) -> np.random.Generator:
    return np.random.default_rng([int(seed), STREAMS[stream], index])


def interval(value: float, draws: np.ndarray) -> dict:
    """The value with the 95% percentile interval of its bootstrap ``draws`` (non-finite draws left out)."""
    draws = draws[np.isfinite(draws)]
    alpha = (1 - CONFIDENCE) / 2
    if draws.size == 0:
        return {"value": _f(value), "ci_low": None, "ci_high": None}
    low, high = np.percentile(draws, [100 * alpha, 100 * (1 - alpha)])
    return {"value": _f(value), "ci_low": _f(low), "ci_high": _f(high)}


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def confusion(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def matrix_metrics(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Metrics of confusion matrices ``cm`` (shape (..., k, k), rows true, columns predicted).

    Per class: precision, recall and F1 as scikit-learn computes them with ``zero_division=0``
    (F1 = 2·tp / (2·tp + fp + fn)); macro = their unweighted mean over all k labels.
    """
    cm = cm.astype(np.float64)
    tp = np.diagonal(cm, axis1=-2, axis2=-1)
    predicted = cm.sum(axis=-2)
    actual = cm.sum(axis=-1)
    n = actual.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(actual > 0, tp / actual, 0.0)
        denominator = predicted + actual
        f1 = np.where(denominator > 0, 2 * tp / denominator, 0.0)
        accuracy = np.where(n > 0, tp.sum(axis=-1) / n, np.nan)
    return {
        "accuracy": accuracy,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "macro_precision": precision.mean(axis=-1),
        "macro_recall": recall.mean(axis=-1),
        "macro_f1": f1.mean(axis=-1),
    }


def _batches(total: int, width: int):
    size = max(1, BATCH_CELLS // max(1, width))
    for start in range(0, total, size):
        yield min(size, total - start)


def bootstrap_matrices(cm: np.ndarray, resamples: int, rng: np.random.Generator):
    """Yield batches of resampled confusion matrices: multinomial draws over the cells."""
    k = cm.shape[0]
    n = int(cm.sum())
    p = cm.ravel() / n
    for size in _batches(resamples, k * k):
        yield rng.multinomial(n, p, size=size).reshape(size, k, k)


def classification_intervals(y_true, y_pred, k: int, resamples: int, seed: int):
    cm = confusion(y_true, y_pred, k)
    point = matrix_metrics(cm)
    draws = {key: [] for key in point}
    for batch in bootstrap_matrices(cm, resamples, _rng(seed, "overall")):
        for key, values in matrix_metrics(batch).items():
            draws[key].append(values)
    draws = {key: np.concatenate(values) for key, values in draws.items()}
    return cm, point, draws


def mean_draws(values: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap means of ``values`` (see the module's notes)."""
    n = values.size
    if n * resamples <= INDEX_BUDGET:
        out = np.empty(resamples)
        step = max(1, BATCH_CELLS // n)
        for start in range(0, resamples, step):
            size = min(step, resamples - start)
            out[start : start + size] = values[rng.integers(0, n, size=(size, n))].mean(axis=1)
        return out
    distinct, counts = np.unique(values, return_counts=True)
    if distinct.size > MAX_BINS:
        order = np.sort(values)
        edges = np.linspace(0, n, MAX_BINS + 1).round().astype(np.int64)
        sums = np.add.reduceat(order, edges[:-1])
        counts = np.diff(edges)
        distinct = sums / counts
    p = counts / n
    out = []
    for size in _batches(resamples, distinct.size):
        out.append(rng.multinomial(n, p, size=size) @ distinct / n)
    return np.concatenate(out)


def proportion_draws(successes: int, n: int, resamples: int, rng: np.random.Generator) -> np.ndarray:
    if n == 0:
        return np.full(resamples, np.nan)
    return rng.binomial(n, successes / n, size=resamples) / n


def percentile_draws(sorted_values: np.ndarray, q: float, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap values of ``np.percentile(x, q)`` (linear interpolation) for x = ``sorted_values``.

    The percentile of a resample interpolates its order statistics k and k+1 (k = ⌊(n−1)q/100⌋).
    A resample is n row indices drawn uniformly, i.e. ⌊n·U⌋ for n uniforms U; its k-th smallest
    index is ⌊n·U₍ₖ₎⌋, and U₍ₖ₎ ~ Beta(k+1, n−k), the next one U₍ₖ₊₁₎ = U₍ₖ₎ + (1−U₍ₖ₎)·Beta(1, n−k−1).
    So each resample's percentile is drawn exactly, in O(1), without drawing its n rows.
    """
    n = sorted_values.size
    h = (n - 1) * q / 100
    k = int(math.floor(h))
    frac = h - k
    u = rng.beta(k + 1, n - k, size=resamples)
    first = np.minimum((u * n).astype(np.int64), n - 1)
    if frac == 0 or k + 1 >= n:
        return sorted_values[first].astype(np.float64)
    u_next = u + (1 - u) * rng.beta(1, n - k - 1, size=resamples) if n - k - 1 > 0 else u
    second = np.minimum((u_next * n).astype(np.int64), n - 1)
    return sorted_values[first] + frac * (sorted_values[second] - sorted_values[first])


def compute(out: Outcomes, *, resamples: int = 2000, seed: int = 0) -> dict:
    """The results of a validated file, as JSON-ready data (the API's ``metrics`` … ``throughput``)."""
    result: dict = {"kind": out.kind, "n": out.n, "resamples": resamples, "seed": seed, "warnings": out.warnings}
    if out.kind == CLASSIFICATION:
        k = len(out.labels)
        cm, point, draws = classification_intervals(out.y_true, out.y_pred, k, resamples, seed)
        result["metrics"] = {
            key: interval(point[key], draws[key])
            for key in ("accuracy", "macro_precision", "macro_recall", "macro_f1")
        }
        support = cm.sum(axis=1)
        result["per_class"] = [
            {
                "label": label,
                **{m: interval(point[m][i], draws[m][:, i]) for m in ("precision", "recall", "f1")},
                "support": int(support[i]),
            }
            for i, label in enumerate(out.labels)
        ]
        result["confusion_matrix"] = {"labels": list(out.labels), "matrix": cm.tolist()}
        correct = out.y_true == out.y_pred
    else:
        passed = out.passed
        result["metrics"] = {
            "mean_score": interval(out.score.mean(), mean_draws(out.score, resamples, _rng(seed, "mean_score"))),
            "pass_rate": None
            if passed is None
            else interval(
                passed.mean(), proportion_draws(int(passed.sum()), out.n, resamples, _rng(seed, "pass_rate"))
            ),
        }
        correct = passed
    result["segments"] = _segments(out, correct, resamples, seed)
    result["failure_modes"] = _failure_modes(out)
    result["latency"] = _latency(out, resamples, seed)
    result["throughput"] = _throughput(out)
    return result


def _segments(out: Outcomes, correct: np.ndarray | None, resamples: int, seed: int) -> list[dict]:
    if out.segment is None:
        return []
    s = len(out.segments)
    sizes = np.bincount(out.segment, minlength=s)
    rows = []
    if correct is not None:
        right = np.bincount(out.segment, weights=correct, minlength=s).astype(np.int64)
        errors = sizes - right
        total_errors = int(errors.sum())
    for i, name in enumerate(out.segments):
        n = int(sizes[i])
        metrics: dict = {}
        row = {"segment": name, "n": n, "error_share": None, "metrics": metrics}
        if out.kind == CLASSIFICATION:
            metrics["accuracy"] = interval(
                right[i] / n, proportion_draws(int(right[i]), n, resamples, _rng(seed, "segments", 2 * i))
            )
        else:
            values = out.score[out.segment == i]
            metrics["mean_score"] = interval(
                values.mean(), mean_draws(values, resamples, _rng(seed, "segments", 2 * i))
            )
            if correct is not None:
                metrics["pass_rate"] = interval(
                    right[i] / n, proportion_draws(int(right[i]), n, resamples, _rng(seed, "segments", 2 * i + 1))
                )
        if correct is not None:
            row["error_share"] = _f(errors[i] / total_errors) if total_errors else 0.0
        rows.append(row)
    return rows


def _failure_modes(out: Outcomes) -> list[dict]:
    if out.failure_mode is None or not out.failure_modes:
        return []
    counts = np.bincount(out.failure_mode[out.failure_mode >= 0], minlength=len(out.failure_modes))
    rows = [{"failure_mode": m, "count": int(c)} for m, c in zip(out.failure_modes, counts, strict=True) if c]
    return sorted(rows, key=lambda r: (-r["count"], r["failure_mode"]))


def _latency(out: Outcomes, resamples: int, seed: int) -> dict | None:
    if out.latency is None:
        return None
    ordered = np.sort(out.latency)
    result = {}
    for i, q in enumerate(PERCENTILES):
        point = np.percentile(ordered, q)
        result[f"p{q}"] = interval(point, percentile_draws(ordered, q, resamples, _rng(seed, "latency", i)))
    return result


def _throughput(out: Outcomes) -> dict | None:
    if out.timestamp is None:
        return None
    span = float(out.timestamp.max() - out.timestamp.min())
    return {"per_s": _f(out.n / span) if span > 0 else None, "span_s": span, "n": out.n}


def evaluate(data: bytes, *, filename: str = "", max_rows: int | None = None, pass_threshold=None,
             resamples: int = 2000, seed: int = 0) -> dict:
    """parse → validate → compute in one call (tests and the benchmark)."""
    table = parse(data, filename=filename, max_rows=max_rows)
    return compute(validate(table, pass_threshold=pass_threshold), resamples=resamples, seed=seed)
