"""The evaluations' part of a signed decision's snapshot (registered in ``EvaluationsConfig.ready``)."""

from __future__ import annotations

import hashlib

from apps.evaluations import selectors
from apps.evaluations.models import EvalRun


def _file_sha256(run: EvalRun) -> str | None:
    digest = hashlib.sha256()
    try:
        with run.file.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, ValueError):
        return None
    return digest.hexdigest()


def snapshot_part(poc) -> dict:
    """Targets, datasets, model versions and every run with its metrics and intervals, and the SHA-256
    of each run's stored results file (read again now) beside the one recorded at upload."""
    runs = []
    for run in EvalRun.objects.filter(poc_id=poc.pk).order_by("created_at", "id"):
        results = run.results or {}
        runs.append({
            "id": run.pk, "dataset": run.dataset_id, "model_version": run.model_version_id,
            "file_name": run.file_name, "file_size": run.file_size, "file_sha256": run.file_sha256,
            "stored_file_sha256": _file_sha256(run),
            "kind": run.kind or None, "n": run.n, "resamples": run.resamples, "seed": run.seed,
            "pass_threshold": run.pass_threshold, "computed_at": run.computed_at,
            "metrics": results.get("metrics"), "latency": results.get("latency"),
            "throughput": results.get("throughput"), "segments": results.get("segments"),
        })
    return {
        "targets": selectors.targets_body(selectors.targets_for(poc)),
        "datasets": [
            {"id": d.pk, "name": d.name, "kind": d.kind, "is_standard": d.is_standard, "provenance": d.provenance}
            for d in selectors.datasets_for(poc)
        ],
        "model_versions": [
            {"id": m.pk, "name": m.name, "provider": m.provider, "version": m.release}
            for m in selectors.model_versions_for(poc)
        ],
        "runs": runs,
        "measured_quality": selectors.measured_quality(poc),
    }
