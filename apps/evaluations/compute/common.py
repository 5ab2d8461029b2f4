"""What every step shares: the two kinds of file, their columns, and the refusal that names the rows."""

from __future__ import annotations

import numpy as np

CLASSIFICATION, GRADED = "classification", "graded"
REQUIRED = {CLASSIFICATION: ("id", "label", "prediction"), GRADED: ("id", "score")}
OPTIONAL = ("passed", "segment", "latency_ms", "timestamp", "failure_mode")
KNOWN = ("id", "label", "prediction", "score", *OPTIONAL)
SHOWN_ROWS = 5  # rows named in a message before "and N more"


class InputRefused(ValueError):
    """The file cannot be evaluated; the message names the rows and columns at fault."""


def _rows_text(rows: np.ndarray | list[int]) -> str:
    rows = [int(r) for r in rows]
    shown = ", ".join(str(r) for r in rows[:SHOWN_ROWS])
    more = f" and {len(rows) - SHOWN_ROWS} more" if len(rows) > SHOWN_ROWS else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


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
