"""Classification metrics from the confusion matrix (scikit-learn's, ``zero_division=0``) and their
bootstrap draws: multinomial draws over the matrix's cells."""

from __future__ import annotations

import numpy as np

from apps.evaluations.compute.intervals import _batches, _rng


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
