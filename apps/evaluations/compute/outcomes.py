"""Validating a ``Table``: its columns checked and encoded into the NumPy arrays of an ``Outcomes`` (or
``InputRefused`` naming the rows and columns at fault)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from apps.evaluations.compute.common import CLASSIFICATION, GRADED, InputRefused, _missing_message, _rows_text
from apps.evaluations.compute.reading import Table

NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
NOT_FINITE = r"^[+-]?(?i:nan|inf|infinity)$"
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")


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
