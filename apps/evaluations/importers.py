"""Results files written by common evaluation tools, recognised at upload and read as the portal's own format.

No Django. ``detect(data)`` names the tool whose output ``data`` is (or None: the portal's own CSV or
JSONL); ``convert(data, tool)`` returns the same results as the portal's JSONL (``id``, ``label``,
``prediction`` or ``id``, ``score``, ``passed``; optional ``segment``, ``latency_ms``,
``failure_mode``) and notes on what was left out. From there on an imported file is parsed, checked
and computed exactly as an uploaded canonical one, so the metrics are the same.

- **lm-evaluation-harness** ``--log_samples`` (``samples_<task>_<time>.jsonl``): one JSON object per
  line with ``doc_id``, ``target``, ``resps`` and ``filtered_resps``. A multiple-choice sample (a
  log-likelihood per choice, ``[[loglik, is_greedy], …]``) predicts the choice with the highest
  log-likelihood, as the harness's ``acc`` does, and the label is the target's index; a generation
  sample (``["text"]``) predicts its filtered text, compared with the target text. A task logged
  under several filters (``filter``: ``strict-match``, ``flexible-extract``) is read under the first
  one; the others are named in a note.
- **promptfoo** ``promptfoo eval -o results.json``: ``{"results": {"results": [EvaluateResult, …]}}``.
  Each result is a graded row: ``score``, ``passed`` = ``success``, ``latency_ms`` = ``latencyMs``, and
  a failure mode ``assertion`` or ``error`` (``failureReason`` 1 or 2). A run is one model version, so a
  file holding several providers or prompts is refused, naming them.
- **MLflow** ``mlflow.evaluate`` results table (``eval_results_table.json``, pandas' split layout:
  ``{"columns": […], "data": [[…], …]}``): classification from the target column (``ground_truth``,
  ``targets``, ``target``, ``label``) and the prediction column (``outputs``, ``predictions``,
  ``prediction``), or graded from the one ``<metric>/v<n>/score`` column; ``latency`` (seconds) becomes
  ``latency_ms``; ``id`` when the table has one, else the row's position.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator

LM_EVAL, PROMPTFOO, MLFLOW = "lm_eval", "promptfoo", "mlflow"
NAMES = {
    LM_EVAL: "lm-evaluation-harness sample log (--log_samples)",
    PROMPTFOO: "promptfoo results (promptfoo eval -o results.json)",
    MLFLOW: "MLflow evaluation results table (mlflow.evaluate)",
}
MLFLOW_LABELS = ("ground_truth", "targets", "target", "label", "labels")
MLFLOW_PREDICTIONS = ("outputs", "predictions", "prediction", "output")
PROMPTFOO_FAILURES = {1: "assertion", 2: "error"}


class ImportRefused(ValueError):
    """The tool's file cannot be read; the message names the line, row or field at fault."""


def _first_object(data: bytes) -> dict | None:
    """The first line of the file as a JSON object, or None."""
    for line in data.splitlines():
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _whole(data: bytes):
    try:
        return json.loads(data)
    except ValueError:
        return None


def detect(data: bytes) -> str | None:
    """The tool that wrote ``data`` (UTF-8), or None when it is not a known tool's file."""
    head = data.lstrip()[:1]
    if head != b"{":
        return None
    first = _first_object(data)
    if (
        first is not None
        and "doc_id" in first
        and "target" in first
        and ("filtered_resps" in first or "resps" in first)
    ):
        return LM_EVAL
    if first is not None and len([line for line in data.splitlines() if line.strip()]) > 1:
        return None  # JSON Lines of the portal's own columns
    whole = first if first is not None else _whole(data)
    if not isinstance(whole, dict):
        return None
    if isinstance(whole.get("columns"), list) and isinstance(whole.get("data"), list):
        return MLFLOW
    results = whole.get("results")
    if isinstance(results, dict) and isinstance(results.get("results"), list):
        return PROMPTFOO
    return None


def convert(data: bytes, tool: str) -> tuple[bytes, list[str]]:
    """The file as the portal's JSONL, and notes on what was read and what was left out."""
    rows, notes = {LM_EVAL: _lm_eval, PROMPTFOO: _promptfoo, MLFLOW: _mlflow}[tool](data)
    out = []
    for row in rows:
        out.append(json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False))
    if not out:
        raise ImportRefused(f"The {NAMES[tool]} holds no results.")
    return ("\n".join(out) + "\n").encode(), [f"Read as a {NAMES[tool]}.", *notes]


# --- lm-evaluation-harness -------------------------------------------------------------------------------------


def _is_loglikelihoods(value) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], int | float) for pair in value)
    )


def _lm_eval(data: bytes) -> tuple[Iterator[dict], list[str]]:
    rows, filters, chosen = [], [], None
    for number, line in enumerate(data.decode("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            sample = json.loads(line)
        except ValueError as exc:
            raise ImportRefused(f"Line {number} is not valid JSON ({exc.msg}).") from None
        if not isinstance(sample, dict) or "doc_id" not in sample or "target" not in sample:
            raise ImportRefused(f"Line {number} is not an lm-evaluation-harness sample (doc_id and target needed).")
        name = sample.get("filter")
        if name not in filters:
            filters.append(name)
        if chosen is None:
            chosen = name
        if name != chosen:
            continue
        responses = sample.get("filtered_resps", sample.get("resps"))
        target = sample["target"]
        if _is_loglikelihoods(responses) and len(responses) > 1:
            if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target < len(responses):
                raise ImportRefused(
                    f"Line {number}: the target {target!r} is not the index of one of the {len(responses)} choices."
                )
            scores = [pair[0] for pair in responses]
            prediction = str(scores.index(max(scores)))
            label = str(target)
        elif isinstance(responses, list) and len(responses) == 1 and isinstance(responses[0], str):
            prediction, label = responses[0].strip(), str(target).strip()
            if isinstance(target, list | dict):
                raise ImportRefused(f"Line {number}: the target is a list or an object, not one answer.")
        else:
            raise ImportRefused(
                f"Line {number}: filtered_resps is neither one log-likelihood per choice nor one "
                "generated text; this kind of task cannot be read."
            )
        rows.append({"id": str(sample["doc_id"]), "label": label, "prediction": prediction})
    notes = []
    if len(filters) > 1:
        others = ", ".join(str(f) for f in filters if f != chosen)
        notes.append(f"Read the samples of the filter {chosen}; those of {others} were left out.")
    return rows, notes


# --- promptfoo -----------------------------------------------------------------------------------------------


def _promptfoo(data: bytes) -> tuple[list[dict], list[str]]:
    whole = _whole(data)
    results = whole["results"]["results"]
    combos: dict[tuple, None] = {}
    rows = []
    for number, result in enumerate(results, start=1):
        if not isinstance(result, dict):
            raise ImportRefused(f"Result {number} is not an object.")
        provider = result.get("provider")
        provider = provider.get("label") or provider.get("id") if isinstance(provider, dict) else provider
        combos.setdefault((provider, result.get("promptIdx")), None)
        if "testIdx" not in result:
            raise ImportRefused(f"Result {number} has no testIdx: it cannot be matched with other runs.")
        score = result.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(score):
            raise ImportRefused(f"Result {number} (testIdx {result['testIdx']}) has no numeric score.")
        success = result.get("success")
        if not isinstance(success, bool):
            raise ImportRefused(f"Result {number} (testIdx {result['testIdx']}) has no success true or false.")
        latency = result.get("latencyMs")
        failure = None if success else PROMPTFOO_FAILURES.get(result.get("failureReason"), "failed")
        rows.append(
            {
                "id": str(result["testIdx"]),
                "score": score,
                "passed": success,
                "latency_ms": latency if isinstance(latency, int | float) and latency >= 0 else None,
                "failure_mode": failure,
            }
        )
    if len(combos) > 1:
        shown = "; ".join(f"provider {p or '?'}, prompt {i if i is not None else '?'}" for p, i in combos)
        raise ImportRefused(
            f"The file holds results of {len(combos)} provider and prompt pairs ({shown}); a run is "
            "one model version: export one pair per file (promptfoo eval --filter-providers)."
        )
    return rows, []


# --- MLflow ---------------------------------------------------------------------------------------------------


def _cell(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    return value if value is None else str(value)


def _mlflow(data: bytes) -> tuple[list[dict], list[str]]:
    whole = _whole(data)
    columns = [str(c) for c in whole["columns"]]
    lower = {c.lower(): i for i, c in enumerate(columns)}
    label = next((lower[c] for c in MLFLOW_LABELS if c in lower), None)
    prediction = next((lower[c] for c in MLFLOW_PREDICTIONS if c in lower), None)
    scores = [i for i, c in enumerate(columns) if c.endswith("/score")]
    ident = lower.get("id")
    latency = lower.get("latency")
    notes = []
    if label is not None and prediction is not None:
        kind = "classification"
        notes.append(f"Labels from the column {columns[label]}, predictions from {columns[prediction]}.")
    elif len(scores) == 1:
        kind = "graded"
        notes.append(f"Scores from the column {columns[scores[0]]}; give a pass threshold for the pass rate.")
    elif scores:
        raise ImportRefused(
            "The table has several score columns (" + ", ".join(columns[i] for i in scores) + ") "
            "and no target and prediction columns: keep the one score to evaluate."
        )
    else:
        raise ImportRefused(
            "The table has neither a target and a prediction column ("
            + ", ".join(MLFLOW_LABELS)
            + " / "
            + ", ".join(MLFLOW_PREDICTIONS)
            + ") nor a <metric>/score column. Columns: "
            + ", ".join(columns)
            + "."
        )
    rows = []
    for number, values in enumerate(whole["data"], start=1):
        if not isinstance(values, list) or len(values) != len(columns):
            raise ImportRefused(f"Row {number} of the table does not have the {len(columns)} columns of its header.")
        row = {"id": _cell(values[ident]) if ident is not None else str(number - 1)}
        if kind == "classification":
            row.update(label=_cell(values[label]), prediction=_cell(values[prediction]))
        else:
            row["score"] = values[scores[0]]
        seconds = values[latency] if latency is not None else None
        if isinstance(seconds, int | float) and not isinstance(seconds, bool):
            row["latency_ms"] = seconds * 1000
        rows.append(row)
    return rows, notes
