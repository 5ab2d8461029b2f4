"""The cost model's part of a signed decision's snapshot (registered in ``CostsConfig.ready``)."""

from __future__ import annotations

from apps.costs import selectors


def snapshot_part(poc) -> dict:
    """The cost model as the API reads it (inputs, results per scale with the sensitivity, stale or not),
    and its lines."""
    state = selectors.cost_model_state(poc)
    body = selectors.cost_model_body(state)
    body.pop("recomputing", None)  # a job's progress, not evidence
    body["lines"] = [selectors.line_body(line) for line in state["lines"]]
    return body
