"""A seeded coverage simulation: the 95% intervals cover the truth 93–97% of the time.

500 datasets are drawn from a known truth for each statistic (accuracy and macro-F1 of a
3-class classifier, the mean of a skewed score, the 95th percentile of log-normal latencies) and
computed with the functions an uploaded file goes through (classification: ``compute.compute``;
the mean and the percentile: the draws ``compute.compute`` uses for them, so the other three
percentiles are not computed needlessly).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from apps.evaluations import compute

pytestmark = pytest.mark.simulation

DATASETS = 500
RESAMPLES = 1000
TRUE_JOINT = np.array([[0.30, 0.04, 0.02], [0.05, 0.25, 0.04], [0.03, 0.05, 0.22]])  # rows true, columns predicted


def _covered(interval: dict, truth: float) -> bool:
    return interval["ci_low"] <= truth <= interval["ci_high"]


def _rate(hits: list[bool]) -> float:
    return sum(hits) / len(hits)


def test_classification_intervals_cover_accuracy_and_macro_f1():
    truth_accuracy = float(np.trace(TRUE_JOINT))
    f1 = 2 * np.diag(TRUE_JOINT) / (TRUE_JOINT.sum(axis=0) + TRUE_JOINT.sum(axis=1))
    truth_macro_f1 = float(f1.mean())
    rng = np.random.default_rng(2024)
    accuracy, macro_f1 = [], []
    for i in range(DATASETS):
        cells = rng.choice(9, size=400, p=TRUE_JOINT.ravel())
        out = compute.Outcomes(kind="classification", n=cells.size, labels=["a", "b", "c"],
                               y_true=cells // 3, y_pred=cells % 3)
        metrics = compute.compute(out, resamples=RESAMPLES, seed=i)["metrics"]
        accuracy.append(_covered(metrics["accuracy"], truth_accuracy))
        macro_f1.append(_covered(metrics["macro_f1"], truth_macro_f1))
    assert 0.93 <= _rate(accuracy) <= 0.97, _rate(accuracy)
    assert 0.93 <= _rate(macro_f1) <= 0.97, _rate(macro_f1)


def test_mean_score_and_p95_latency_intervals_cover_the_truth():
    a, b = 2.0, 5.0
    truth_mean = a / (a + b)
    mu, sigma = 5.0, 0.5
    truth_p95 = math.exp(mu + sigma * 1.6448536269514722)
    rng = np.random.default_rng(7)
    mean_hits, p95_hits = [], []
    for i in range(DATASETS):
        score = rng.beta(a, b, 300)
        latency = rng.lognormal(mu, sigma, 1000)
        mean = compute.interval(score.mean(), compute.mean_draws(score, RESAMPLES, np.random.default_rng([i, 1])))
        ordered = np.sort(latency)
        p95 = compute.interval(
            np.percentile(ordered, 95), compute.percentile_draws(ordered, 95, RESAMPLES, np.random.default_rng([i, 2]))
        )
        mean_hits.append(_covered(mean, truth_mean))
        p95_hits.append(_covered(p95, truth_p95))
    assert 0.93 <= _rate(mean_hits) <= 0.97, _rate(mean_hits)
    assert 0.93 <= _rate(p95_hits) <= 0.97, _rate(p95_hits)
