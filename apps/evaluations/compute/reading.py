"""Reading a results file: CSV or JSONL (or a known tool's file, read as the JSONL it stands for) into a
``Table`` of its known columns, with pyarrow's readers; line by line only to name a bad line."""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.json as pa_json

from apps.evaluations import importers
from apps.evaluations.compute.common import KNOWN, InputRefused, _missing_message, _rows_text


@dataclass
class Table:
    """The file's known columns (lower-case names) as pyarrow arrays, and its number of rows."""

    columns: dict[str, pa.Array]
    rows: int
    format: str  # "csv" or "jsonl"
    imported: str = ""  # the tool whose file it was (importers.NAMES), read as JSONL
    notes: list[str] = field(default_factory=list)  # what the import read and left out


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


def _json_objects(text: str):
    """Each non-blank line of JSONL ``text`` as (its line number, the object it holds); ``InputRefused``
    naming the first line that is not valid JSON or not an object."""
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError as exc:
            raise InputRefused(f"Line {number} is not valid JSON ({exc.msg}).") from None
        if not isinstance(obj, dict):
            raise InputRefused(f"Line {number} is not a JSON object; each line must be one object.")
        yield number, obj


def _parse_jsonl_lines(data: bytes) -> Table:
    """The slow reading, used only when the columnar reader refuses the file: names the line at fault."""
    values: dict[str, list] = {}
    row = 0
    names: dict[str, str] = {}
    for number, obj in _json_objects(data.decode("utf-8")):
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
