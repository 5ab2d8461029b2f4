"""Reads of the evaluations app, for its pages and API and for the apps above it (one module per subject:
``runs`` (datasets, model versions, runs and their results), ``targets`` (verdicts, the pages' one query, the
answers to the validation questions), ``comparisons`` (leaderboard, curated-vs-production gap), ``loadtests``,
``monitoring`` (the drift watch), ``common``).

``costs`` and ``decisions`` read measured quality through ``measured_quality`` only:

    measured_quality(poc, model_version_id=None) -> {"value": float, "metric": "accuracy" | "pass_rate",
                                                    "run": run_id, "model_version": id} | None

It reads the PoC's standard dataset when that is a ``production`` sample and, among the runs on
it whose computation has succeeded (results stored; optionally of one model version), the one
with the highest value (the newest on a tie); None when there is no such dataset or run.
"""

from apps.evaluations.models import Targets as Targets  # the pages make an empty targets row from here
from apps.evaluations.selectors.comparisons import (
    COMPARE_RESAMPLES,
    COMPARE_SEED,
    leaderboard,
    metric_choices,
    quality_gap,
    run_items,
)
from apps.evaluations.selectors.loadtests import (
    load_test_answer,
    load_test_body,
    load_tests_for,
    load_tests_listed,
    peak_rate_suggestions,
)
from apps.evaluations.selectors.monitoring import (
    last_finished_monitoring_run,
    last_monitoring_run,
    monitoring_body,
    monitoring_card,
    monitoring_for,
)
from apps.evaluations.selectors.runs import (
    JOB_STATUS,
    datasets_for,
    measured_quality,
    model_versions_for,
    run_detail,
    run_job,
    run_state,
    run_summary,
    runs_for,
    with_jobs,
)
from apps.evaluations.selectors.targets import (
    HEADLINE,
    MEASUREMENTS_SQL,
    MET,
    NOT_MEASURED,
    NOT_MET,
    VERDICT_TEXT,
    Measurements,
    beyond_intervals,
    judge_latency,
    judge_quality,
    measurements,
    poc_target_status,
    run_answer,
    run_targets,
    targets_badge_context,
    targets_body,
    targets_for,
)

__all__ = [
    "COMPARE_RESAMPLES",
    "COMPARE_SEED",
    "HEADLINE",
    "JOB_STATUS",
    "MEASUREMENTS_SQL",
    "MET",
    "NOT_MEASURED",
    "NOT_MET",
    "VERDICT_TEXT",
    "Measurements",
    "beyond_intervals",
    "datasets_for",
    "judge_latency",
    "judge_quality",
    "last_finished_monitoring_run",
    "last_monitoring_run",
    "leaderboard",
    "load_test_answer",
    "load_test_body",
    "load_tests_for",
    "load_tests_listed",
    "measured_quality",
    "measurements",
    "metric_choices",
    "model_versions_for",
    "monitoring_body",
    "monitoring_card",
    "monitoring_for",
    "peak_rate_suggestions",
    "poc_target_status",
    "quality_gap",
    "run_answer",
    "run_detail",
    "run_items",
    "run_job",
    "run_state",
    "run_summary",
    "run_targets",
    "runs_for",
    "targets_badge_context",
    "targets_body",
    "targets_for",
    "with_jobs",
]
