"""Paired differences agree with scipy's paired bootstrap; stored intervals can be re-drawn exactly."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from apps.evaluations import compute, paired
from tests.evaluations.builders import classification_rows

N = 400


def items(rows: str, **kwargs) -> paired.Items:
    return paired.items_from_file(rows.encode(), filename="r.csv", **kwargs)


def macro_f1(true, pred, axis=-1):
    """scikit-learn's macro F1 over the three labels (zero_division=0), vectorised along ``axis``."""
    total = 0
    for c in range(3):
        tp = ((true == c) & (pred == c)).sum(axis)
        fp = ((true != c) & (pred == c)).sum(axis)
        fn = ((true == c) & (pred != c)).sum(axis)
        denominator = 2 * tp + fp + fn
        total = total + np.where(denominator > 0, 2 * tp / np.maximum(denominator, 1), 0.0)
    return total / 3


def codes(run: paired.Items) -> tuple[np.ndarray, np.ndarray]:
    labels = np.array(run.outcomes.labels)
    return np.searchsorted(list("abc"), labels[run.outcomes.y_true]), np.searchsorted(list("abc"),
                                                                                      labels[run.outcomes.y_pred])


def assert_close_intervals(ours: dict, low: float, high: float):
    width = high - low
    assert abs(ours["ci_low"] - low) < width / 4 and abs(ours["ci_high"] - high) < width / 4, (ours, low, high)


@pytest.mark.parametrize("metric", ["macro_f1", "accuracy"])
def test_the_paired_difference_agrees_with_scipys_paired_bootstrap(metric):
    a = items(classification_rows(N, 0.85, seed=1))
    b = items(classification_rows(N, 0.75, seed=2))
    ours = paired.paired_difference(a, b, metric, resamples=4000, seed=5)
    true, pred_a = codes(a)
    _, pred_b = codes(b)

    def statistic(t, x, y, axis=-1):
        if metric == "accuracy":
            return (t == x).mean(axis) - (t == y).mean(axis)
        return macro_f1(t, x, axis) - macro_f1(t, y, axis)

    reference = stats.bootstrap((true, pred_a, pred_b), statistic, paired=True, vectorized=True,
                                n_resamples=4000, method="percentile", random_state=0)
    assert ours["value"] == pytest.approx(statistic(true, pred_a, pred_b))
    assert ours["value"] > 0
    assert_close_intervals(ours, *reference.confidence_interval)
    assert ours["paired_n"] == N and ours["only_in_a"] == 0 and ours["only_in_b"] == 0


def test_a_graded_pass_rate_difference_agrees_with_scipy():
    rng = np.random.default_rng(3)
    score_a = rng.random(N)
    score_b = np.clip(score_a - 0.1 + rng.normal(0, 0.1, N), 0, 1)
    rows_a = "id,score\n" + "".join(f"{i},{s:.6f}\n" for i, s in enumerate(score_a))
    rows_b = "id,score\n" + "".join(f"{i},{s:.6f}\n" for i, s in enumerate(score_b))
    a, b = items(rows_a, pass_threshold=0.5), items(rows_b, pass_threshold=0.5)
    for metric, values in (("pass_rate", (score_a >= 0.5, score_b >= 0.5)), ("mean_score", (score_a, score_b))):
        ours = paired.paired_difference(a, b, metric, resamples=4000, seed=1)
        x = np.round(values[0].astype(float), 6) if metric == "mean_score" else values[0].astype(float)
        y = np.round(values[1].astype(float), 6) if metric == "mean_score" else values[1].astype(float)
        reference = stats.bootstrap((x, y), lambda p, q, axis=-1: p.mean(axis) - q.mean(axis), paired=True,
                                    vectorized=True, n_resamples=4000, method="percentile", random_state=0)
        assert ours["value"] == pytest.approx(x.mean() - y.mean())
        assert_close_intervals(ours, *reference.confidence_interval)


def test_items_in_only_one_run_are_left_out_and_counted():
    a = items(classification_rows(300, 0.8, seed=1))  # ids 0..299
    b = items(classification_rows(300, 0.8, seed=2, first_id=100))  # ids 100..399
    result = paired.paired_difference(a, b, "macro_f1", resamples=500)
    assert (result["paired_n"], result["only_in_a"], result["only_in_b"]) == (200, 100, 100)
    disjoint = items(classification_rows(50, 0.8, first_id=1000))
    none = paired.paired_difference(a, disjoint, "macro_f1", resamples=500)
    assert none["paired_n"] == 0 and none["value"] is None


def test_the_same_seed_gives_the_same_interval_and_another_seed_moves_it():
    a = items(classification_rows(N, 0.85, seed=1))
    b = items(classification_rows(N, 0.75, seed=2))
    first = paired.paired_difference(a, b, "macro_f1", resamples=1000, seed=7)
    assert paired.paired_difference(a, b, "macro_f1", resamples=1000, seed=7) == first
    assert paired.paired_difference(a, b, "macro_f1", resamples=1000, seed=8)["ci_low"] != first["ci_low"]


def test_a_metric_the_runs_do_not_measure_has_no_difference():
    a = items(classification_rows(50, 0.8))
    assert paired.paired_difference(a, a, "pass_rate", resamples=200)["value"] is None


@pytest.mark.parametrize("metric", ["accuracy", "macro_f1"])
def test_stored_intervals_are_redrawn_exactly(metric):
    results = compute.evaluate(classification_rows(N, 0.8).encode(), filename="r.csv", resamples=700, seed=4)
    draws = paired.metric_draws(results, metric)
    again = compute.interval(results["metrics"][metric]["value"], draws)
    assert again == results["metrics"][metric]
