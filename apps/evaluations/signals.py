"""The measured stall signal for reason 2 (data), registered over the kickoff's planned one.

``apps.checklists.risk`` ships ``production_sample``: high until the production-sample item of
the checklist is done (a sample is planned). Once evaluations are installed the same name reads
the measurements instead:

- high while no run on a production-sample dataset has results;
- medium when the production metric falls short of the quality target (as the target judges
  it: interval lower bound or point estimate), or, for a model version evaluated on both kinds
  of data, when its production interval lies wholly below its curated one;
- low (no finding) when the target is met on the production sample by at least one model version.

It reads the one query of ``selectors.measurements`` (shared with the targets badge).
"""

from __future__ import annotations

from apps.checklists.risk import HIGH, MEDIUM, Finding, RiskInputs
from apps.evaluations import selectors
from apps.evaluations.models import QUALITY_METRICS, Dataset

NAME = "production_sample"


def production_sample_measured(inputs: RiskInputs) -> list[Finding]:
    found = selectors.measurements(inputs.poc)
    production = found.newest(Dataset.Kind.PRODUCTION)
    if not production:
        return [Finding(
            HIGH, "No evaluation on a representative production sample yet.",
            "Evaluate on a sample drawn from real production traffic, long tail included (Evaluations tab).", NAME,
        )]
    targets = found.targets
    verdicts = [selectors.judge_quality(targets, run["metrics"]) for run in production.values()]
    if selectors.MET in verdicts:
        return []
    if targets is not None and targets.quality_metric:
        label = QUALITY_METRICS[targets.quality_metric]
        if selectors.NOT_MET in verdicts:
            return [Finding(
                MEDIUM, f"{label} on the production sample falls short of the target {targets.quality_threshold:g}.",
                "Improve the model on production-like data, or revisit the target with the decision-maker.", NAME,
            )]
        return [Finding(
            MEDIUM, f"{label}, the target's metric, is not measured on the production sample.",
            "Evaluate the production sample with the metric the target names.", NAME,
        )]
    curated = found.newest(Dataset.Kind.CURATED)
    for model_version, prod in production.items():
        cur = curated.get(model_version)
        if cur is None:
            continue
        for metric in ("accuracy", "pass_rate"):
            p, c = (prod["metrics"] or {}).get(metric), (cur["metrics"] or {}).get(metric)
            if selectors.beyond_intervals(p, c):
                return [Finding(
                    MEDIUM, f"{QUALITY_METRICS[metric]} is lower on the production sample than on the curated one, "
                    "beyond the intervals.",
                    "Look at the production sample's failures before trusting the curated numbers.", NAME,
                )]
    return []
