"""Comparisons: the leaderboard of model versions on one dataset (paired differences to the best) and the
curated-vs-production gap."""

from __future__ import annotations

import hashlib

from apps.core.versioning import refuse
from apps.evaluations import compute, paired
from apps.evaluations.models import QUALITY_METRICS, Dataset, EvalRun, Targets
from apps.evaluations.selectors.common import _UNSET
from apps.evaluations.selectors.targets import HEADLINE, beyond_intervals

COMPARE_RESAMPLES = 2000
COMPARE_SEED = 0


def metric_choices() -> list[tuple[str, str]]:
    return list(QUALITY_METRICS.items())


def _check_metric(metric: str | None) -> str | None:
    if metric in (None, ""):
        return None
    if metric not in QUALITY_METRICS:
        raise refuse("metric", f"Choose one of: {', '.join(QUALITY_METRICS)}.")
    return metric


def _run_items(run: EvalRun) -> paired.Items:
    """The run's items read again from its kept file (checked against its SHA-256)."""
    with run.file.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != run.file_sha256:
        raise compute.InputRefused("The stored file does not match its SHA-256.")
    return paired.items_from_file(data, filename=run.file_name, pass_threshold=run.pass_threshold)


run_items = _run_items  # the drift watch reads its baseline's items the same way


def _interval(stored: dict | None) -> dict:
    stored = stored or {}
    return {"value": stored.get("value"), "ci_low": stored.get("ci_low"), "ci_high": stored.get("ci_high")}


def _newest_per_model(runs) -> dict[int, EvalRun]:
    found: dict[int, EvalRun] = {}
    for run in runs:
        found.setdefault(run.model_version_id, run)
    return found


def _default_metric(poc, runs, targets=_UNSET) -> str:
    if targets is _UNSET:
        targets = Targets.objects.filter(poc_id=poc.pk).only("quality_metric").first()
    if targets is not None and targets.quality_metric:
        return targets.quality_metric
    kind = next((run.kind for run in runs if run.kind), "classification")
    return HEADLINE.get(kind, "accuracy")


def leaderboard(poc, *, metric: str | None = None, dataset_id=None, model_version_ids=None, targets=_UNSET) -> dict:
    """Model versions on one dataset (the standard one unless ``dataset_id``), best first.

    Each model version's newest computed run gives its value and interval. Its difference to the
    best is paired: over the item ids both files share (the others left out and counted), one
    bootstrap for both (``paired.paired_difference``). ``metric`` defaults to the quality
    target's, else the runs' headline metric.
    """
    metric = _check_metric(metric)
    datasets = Dataset.objects.filter(poc_id=poc.pk)
    if dataset_id not in (None, ""):
        try:
            dataset = datasets.filter(pk=int(dataset_id)).first()
        except (TypeError, ValueError):
            raise refuse("dataset", "Choose one of this PoC's datasets.") from None
        if dataset is None:
            raise refuse("dataset", "Choose one of this PoC's datasets.")
    else:
        dataset = datasets.filter(is_standard=True).first()
    body = {"dataset": dataset.pk if dataset else None, "dataset_name": dataset.name if dataset else None,
            "metric": metric, "resamples": COMPARE_RESAMPLES, "seed": COMPARE_SEED, "rows": [], "not_ranked": []}
    if dataset is None:
        return body
    runs = (EvalRun.objects.filter(poc_id=poc.pk, dataset=dataset, computed_at__isnull=False)
            .select_related("model_version").order_by("-computed_at", "-id"))
    if model_version_ids:
        runs = runs.filter(model_version_id__in=[int(i) for i in model_version_ids])
    newest = list(_newest_per_model(runs).values())
    metric = body["metric"] = metric or _default_metric(poc, newest, targets)
    ranked = []
    for run in newest:
        stored = ((run.results or {}).get("metrics") or {}).get(metric)
        if stored and stored.get("value") is not None:
            ranked.append((run, _interval(stored)))
        else:
            body["not_ranked"].append({"model_version": run.model_version_id, "run": run.pk,
                                       "why": f"{QUALITY_METRICS[metric]} is not measured by this run."})
    ranked.sort(key=lambda pair: -pair[1]["value"])  # stable: the newest first among equals
    if not ranked:
        return body
    best_run = ranked[0][0]
    items: dict[int, paired.Items | None] = {}

    def items_of(run):
        if run.pk not in items:
            try:
                items[run.pk] = _run_items(run)
            except (OSError, compute.InputRefused):
                items[run.pk] = None
        return items[run.pk]

    for run, interval in ranked:
        row = {"model_version": run.model_version_id, "model_version_name": str(run.model_version), "run": run.pk,
               "n": run.n, **interval, "best": run.pk == best_run.pk}
        if run.pk == best_run.pk:
            row.update(diff_to_best={"value": 0.0, "ci_low": 0.0, "ci_high": 0.0}, paired_n=run.n,
                       only_in_run=0, only_in_best=0)
        else:
            a, b = items_of(run), items_of(best_run)
            if a is None or b is None:
                row.update(diff_to_best={"value": None, "ci_low": None, "ci_high": None}, paired_n=0,
                           only_in_run=None, only_in_best=None)
            else:
                diff = paired.paired_difference(a, b, metric, resamples=COMPARE_RESAMPLES, seed=COMPARE_SEED)
                row.update(diff_to_best={k: diff[k] for k in ("value", "ci_low", "ci_high")},
                           paired_n=diff["paired_n"], only_in_run=diff["only_in_a"], only_in_best=diff["only_in_b"])
        body["rows"].append(row)
    return body


def quality_gap(poc, *, metric: str | None = None, targets=_UNSET, runs: list[EvalRun] | None = None) -> dict:
    """Per model version evaluated on both a curated and a production sample (the newest run of each
    kind): the two values with intervals, the difference production − curated with its interval
    (independent bootstrap draws), and ``warning`` when the production interval lies wholly below the
    curated one ("lower beyond the intervals")."""
    metric = _check_metric(metric)
    if runs is None:
        runs = EvalRun.objects.filter(poc_id=poc.pk).select_related("dataset", "model_version")
    runs = sorted((r for r in runs if r.computed_at is not None), key=lambda r: (r.computed_at, r.pk), reverse=True)
    curated = _newest_per_model(r for r in runs if r.dataset.kind == Dataset.Kind.CURATED)
    production = _newest_per_model(r for r in runs if r.dataset.kind == Dataset.Kind.PRODUCTION)
    chosen = metric or _default_metric(poc, runs, targets)
    rows = []
    for model_version_id, prod in production.items():
        cur = curated.get(model_version_id)
        if cur is None:
            continue
        metric_of_row = chosen
        c = ((cur.results or {}).get("metrics") or {}).get(metric_of_row)
        p = ((prod.results or {}).get("metrics") or {}).get(metric_of_row)
        if not metric and not (c and p):  # no metric asked for: fall back to the runs' own headline
            metric_of_row = HEADLINE.get(prod.kind, "accuracy")
            c = ((cur.results or {}).get("metrics") or {}).get(metric_of_row)
            p = ((prod.results or {}).get("metrics") or {}).get(metric_of_row)
        row = {"model_version": model_version_id, "model_version_name": str(prod.model_version),
               "metric": metric_of_row,
               "curated": {"run": cur.pk, "dataset": cur.dataset_id, "dataset_name": cur.dataset.name, **_interval(c)},
               "production": {"run": prod.pk, "dataset": prod.dataset_id, "dataset_name": prod.dataset.name,
                              **_interval(p)},
               "difference": {"value": None, "ci_low": None, "ci_high": None}, "warning": False}
        if c and p and c.get("value") is not None and p.get("value") is not None:
            draws = [paired.metric_draws(r.results, metric_of_row, lambda r=r: _run_items(r).outcomes.score)
                     for r in (prod, cur)]
            value = p["value"] - c["value"]
            if draws[0] is not None and draws[1] is not None:
                row["difference"] = paired.difference_of_independent(draws[0], draws[1], value)
            else:
                row["difference"]["value"] = value
            row["warning"] = beyond_intervals(p, c)
        rows.append(row)
    rows.sort(key=lambda r: r["model_version_name"])
    return {"metric": metric or chosen, "rows": rows, "warning": any(r["warning"] for r in rows)}
