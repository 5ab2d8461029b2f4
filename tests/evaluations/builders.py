"""Results files made to order, and runs computed from them through the services (jobs run in place)."""

from __future__ import annotations

import numpy as np
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from apps.evaluations import services

LABELS = "abc"


def classification_rows(n: int, accuracy: float, *, seed: int = 0, first_id: int = 0, latency_ms: int | None = None,
                        truth_seed: int = 99) -> str:
    """``n`` items (ids first_id…) with true labels drawn from ``truth_seed`` and about ``accuracy`` right."""
    truth = np.random.default_rng(truth_seed).integers(0, 3, first_id + n)[first_id:]
    rng = np.random.default_rng(seed)
    right = rng.random(n) < accuracy
    wrong = (truth + rng.integers(1, 3, n)) % 3
    pred = np.where(right, truth, wrong)
    header = "id,label,prediction" + (",latency_ms" if latency_ms is not None else "") + "\n"
    lines = []
    for i in range(n):
        extra = f",{latency_ms + i % 7}" if latency_ms is not None else ""
        lines.append(f"{first_id + i},{LABELS[truth[i]]},{LABELS[pred[i]]}{extra}\n")
    return header + "".join(lines)


def computed_run(poc, user, dataset, model, rows: str, *, resamples: int = 1000, seed: int = 0):
    """A run uploaded and computed (its job runs on commit, in place)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.eval_run_create(poc=poc, user=user, dataset=dataset, model_version=model,
                                       upload=SimpleUploadedFile("results.csv", rows.encode()), resamples=resamples,
                                       seed=seed)
    run.refresh_from_db()
    assert run.status == "done", run.error
    return run


def setup_evaluations(poc, user):
    """A standard production sample, a curated sample and two model versions."""
    production = services.dataset_create(poc=poc, user=user, data={"name": "Production sample",
                                                                   "kind": "production", "is_standard": True})
    curated = services.dataset_create(poc=poc, user=user, data={"name": "Curated sample", "kind": "curated"})
    model_a = services.model_version_create(poc=poc, user=user, data={"name": "Model A", "release": "1"})
    model_b = services.model_version_create(poc=poc, user=user, data={"name": "Model B", "release": "2"})
    return production, curated, model_a, model_b
