"""Evaluation pages under ``/pocs/<pk>/evaluations/``: datasets, model versions, runs and their results.

Every view starts from ``access.get_poc_for_user`` (404 for a PoC the user cannot see, 403 for a
write they may not make). An uploaded file is refused while it streams in once it passes
``EVAL_UPLOAD_MAX_BYTES``; the run's page polls its status fragment until the job is final and
then shows the results in place.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ServiceError
from apps.core.forms import add_service_errors, conflict_box, rearmed, save_form
from apps.core.jobs import job_check
from apps.core.uploads import install_size_limit
from apps.evaluations import charts, live_views, selectors, services
from apps.evaluations.forms import (
    CompareForm,
    DatasetCreateForm,
    DatasetForm,
    LiveRunForm,
    LoadTestForm,
    ModelVersionCreateForm,
    ModelVersionForm,
    RecomputeForm,
    RunUploadForm,
    TargetsForm,
)
from apps.evaluations.models import QUALITY_METRICS, Dataset, EvalRun, ModelVersion
from apps.pocs import access
from apps.pocs.header import saved_response
from apps.pocs.models import Stage

TAB = "evaluations"


def _context(request, poc, **extra) -> dict:
    return {"poc": poc, "tab": TAB, "can_edit": access.allowed(poc, request.user, access.EDIT), **extra}


def _index(request, poc, *, status=200, **forms):
    context = _context(request, poc)
    can_edit = context["can_edit"]
    runs = selectors.with_jobs(list(selectors.runs_for(poc).defer(None)))
    datasets = list(selectors.datasets_for(poc))
    model_versions = list(selectors.model_versions_for(poc))
    live = live_views.endpoints_context(request, poc, model_versions=model_versions, **(
        {"endpoint_form": forms["endpoint_form"], "endpoint_form_open": True} if forms.get("endpoint_form") else {}))
    endpoints = [row["endpoint"] for row in live["endpoints"]]
    context.update(
        endpoints=live["endpoints"], endpoint_form=live.get("endpoint_form"),
        endpoint_form_open=live.get("endpoint_form_open", False),
        live_form=forms.get("live_form") or (
            LiveRunForm(poc=poc, datasets=datasets, endpoints=endpoints) if can_edit else None),
        load_form=forms.get("load_form") or (
            LoadTestForm(poc=poc, datasets=datasets, endpoints=endpoints) if can_edit else None),
        load_tests=selectors.load_tests_listed(poc),
        load_open=forms.get("load_open", False),
    )
    if can_edit:
        from apps.evaluations.forms import PeakFactorForm

        context.update(peak=forms["peak"] if "peak" in forms else selectors.peak_rate_suggestions(poc),
                       factor_form=forms.get("factor_form") or PeakFactorForm())
    if poc.stage == Stage.DECIDED:  # the drift watch: read only once the PoC is decided
        from apps.evaluations.forms import MonitoringForm

        card = selectors.monitoring_card(poc, request.user)
        row = card["monitoring_row"]
        if card["can_monitor"]:
            card["monitoring_form"] = forms.get("monitoring_form") or MonitoringForm(poc=poc, initial={
                "schedule": row.schedule if row else "off", "endpoint": row.endpoint_id if row else None})
        context.update(card)
    found = selectors.measurements(poc)
    verdicts = {r["id"]: selectors.run_targets(found.targets, r) for r in found.runs}
    targets = found.targets or selectors.Targets(poc_id=poc.pk)
    gap = selectors.quality_gap(poc, targets=found.targets, runs=runs)
    context.update(
        datasets=datasets,
        model_versions=model_versions,
        runs=[(run, selectors.run_summary(run), verdicts.get(run.pk)) for run in runs],
        dataset_form=forms.get("dataset_form") or (DatasetCreateForm(prefix="dataset") if can_edit else None),
        model_version_form=forms.get("model_version_form")
        or (ModelVersionCreateForm(prefix="model") if can_edit else None),
        upload_form=forms.get("upload_form") or (
            RunUploadForm(poc=poc, datasets=datasets, model_versions=model_versions) if can_edit else None),
        compare_form=CompareForm(poc=poc, datasets=datasets, model_versions=model_versions),
        gap=gap, gap_chart=_gap_chart(gap), editing=False, form=None, conflict=None,
        **_targets_read(poc, targets),
    )
    return render(request, "evaluations/index.html", context, status=status)


render_index = _index  # the live-run views answer a refused form with the whole page too


def _gap_chart(gap: dict):
    rows = []
    for row in gap["rows"]:
        for kind in ("curated", "production"):
            side = row[kind]
            rows.append({"label": f"{row['model_version_name']}, {kind}", "value": side["value"],
                         "ci_low": side["ci_low"], "ci_high": side["ci_high"],
                         "note": "lower beyond the intervals" if kind == "production" and row["warning"] else ""})
    if not rows:
        return None
    return charts.interval_chart("gap-chart", "Curated vs production sample", rows,
                                 unit_interval=gap["metric"] != "mean_score")


@login_required
@require_GET
def index(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return _index(request, poc)


def _create(request, pk, form_class, prefix, key, service, label):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = form_class(request.POST, prefix=prefix)
    outcome = save_form(form, lambda data: service(poc=poc, user=request.user, data=data))
    if not outcome.ok:
        return _index(request, poc, status=400, **{key: form})
    messages.success(request, f"Added the {label} “{outcome.result}”.")
    return redirect(reverse("evaluations:index", args=[poc.pk]))


@login_required
@require_POST
def dataset_create(request, pk):
    return _create(request, pk, DatasetCreateForm, "dataset", "dataset_form", services.dataset_create, "dataset")


@login_required
@require_POST
def model_version_create(request, pk):
    return _create(
        request, pk, ModelVersionCreateForm, "model", "model_version_form", services.model_version_create,
        "model version",
    )


def _edit(request, pk, row_id, *, model, form_class, service, arg, snapshot, label, page=None):
    poc = access.get_poc_for_user(request.user, pk)
    row = get_object_or_404(model, poc=poc, pk=row_id)
    row.poc = poc
    if page is not None and request.method == "GET":
        return page(request, poc, row)
    context = _context(request, poc, row=row, label=label, conflict=None)
    fields = [f for f in form_class.base_fields if f != "version"]
    context["values"] = [(form_class.base_fields[f].label or f, getattr(row, f)) for f in fields]
    if request.method == "GET":
        if context["can_edit"]:
            context["form"] = form_class(initial={**{f: getattr(row, f) for f in fields}, "version": row.version})
        return render(request, "evaluations/edit.html", context)
    access.check(poc, request.user, access.EDIT)
    form = form_class(request.POST)
    outcome = save_form(
        form,
        lambda data: service(**{arg: row}, user=request.user,
                             changes={k: v for k, v in data.items() if k != "version"}, version=data["version"]),
    )
    if outcome.ok:
        messages.success(request, f"Saved the {label}.")
        return redirect(reverse("evaluations:index", args=[poc.pk]))
    if outcome.conflict:
        form = form_class(rearmed(request.POST, outcome.conflict.current_version))
        context["conflict"] = conflict_box(
            outcome.conflict, typed=dict(request.POST.items()), labels={f: form.fields[f].label or f for f in fields}
        )
    if page is not None:
        return page(request, poc, row, form=form, conflict=context["conflict"], status=outcome.status)
    context["form"] = form
    return render(request, "evaluations/edit.html", context, status=outcome.status)


@login_required
@require_http_methods(["GET", "POST"])
def dataset(request, pk, dataset_id):
    """The dataset's page: its fields (the form for editors) and its items (list, import, add, edit, remove)."""
    return _edit(request, pk, dataset_id, model=Dataset, form_class=DatasetForm, service=services.dataset_update,
                 arg="dataset", snapshot=services.dataset_snapshot, label="dataset", page=live_views.dataset_page)


@login_required
@require_http_methods(["GET", "POST"])
def model_version(request, pk, model_version_id):
    return _edit(request, pk, model_version_id, model=ModelVersion, form_class=ModelVersionForm,
                 service=services.model_version_update, arg="model_version",
                 snapshot=services.model_version_snapshot, label="model version")


@login_required
@csrf_exempt  # the size limit must be installed before CSRF reads the body; CSRF is checked below
@require_POST
def run_create(request, pk):
    install_size_limit(request, services.upload_limit())
    return _run_create(request, pk)


@csrf_protect
def _run_create(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = RunUploadForm(request.POST, request.FILES, poc=poc)
    if request.upload_too_large:
        form.is_valid()
        form.add_error("file", services.too_big_message())
        return _upload_refused(request, poc, form)
    if not form.is_valid():
        return _upload_refused(request, poc, form)
    data = form.cleaned_data
    try:
        run = services.eval_run_create(
            poc=poc, user=request.user, dataset=data["dataset"], model_version=data["model_version"],
            upload=data["file"], pass_threshold=data["pass_threshold"], resamples=data["resamples"],
            seed=data["seed"],
        )
    except ServiceError as exc:
        add_service_errors(form, exc)
        return _upload_refused(request, poc, form)
    run = _run(poc, run.pk)
    if request.htmx:
        return _status(request, poc, run)
    return redirect(reverse("evaluations:run", args=[poc.pk, run.pk]))


def _upload_refused(request, poc, form):
    if request.htmx:
        return render(request, "evaluations/index.html#upload", _context(request, poc, upload_form=form), status=400)
    return _index(request, poc, status=400, upload_form=form)


def _run(poc, run_id) -> EvalRun:
    run = get_object_or_404(EvalRun.objects.select_related("dataset", "model_version", "endpoint"), poc=poc,
                            pk=run_id)
    run.poc = poc
    return run


def _run_context(request, poc, run) -> dict:
    job = selectors.run_job(run)
    if job is not None and not job.is_final:
        run._job = job_check(job)  # sends a job the broker refused, recovers one whose worker stopped
    targets = selectors.targets_for(poc)
    detail = selectors.run_detail(run, targets if targets.pk else None)
    final = detail["status"] in ("done", "failed", "cancelled")
    context = _context(request, poc, run=run, detail=detail, final=final,
                       live=run.source == EvalRun.Source.HARNESS,
                       calls=live_views.run_calls_shown(run) if final else None,
                       error_kinds=sorted(((detail.get("errors") or {}).get("by_kind") or {}).items()),
                       recompute_form=RecomputeForm(initial={"resamples": run.resamples, "seed": run.seed}),
                       targets=targets if targets.pk else None, verdict_text=selectors.VERDICT_TEXT,
                       **_display(detail))
    context.update(_charts(detail, targets), answers=[
        (kind, label) for kind, label in (("quality", "Quality envelope"), ("latency", "Latency and throughput floor"))
        if detail["status"] == "done" and (detail["metrics"] if kind == "quality" else detail["latency"])
    ])
    return context


def _charts(detail: dict, targets) -> dict:
    """The run's results as SVG charts (each with its text alternative); the tables stay beside them."""
    found = {"segment_chart": None, "latency_chart": None, "heatmap_chart": None}
    segments = [
        {"label": s["segment"], **next(iter(s["metrics"].values()), {}), "note": f"n = {s['n']}"}
        for s in detail.get("segments") or []
    ]
    if segments:
        name = next(iter(detail["segments"][0]["metrics"]), "accuracy")
        found["segment_chart"] = charts.interval_chart(
            "segment-chart", f"{QUALITY_METRICS.get(name, name)} per segment", segments, bars=True,
            unit_interval=name != "mean_score",
        )
    if detail.get("latency"):
        found["latency_chart"] = charts.latency_chart(
            "latency-chart", detail["latency"], max_ms=targets.latency_max_ms if targets.latency_percentile else None,
            percentile=targets.latency_percentile or None,
        )
    matrix = detail.get("confusion_matrix")
    if matrix and matrix.get("matrix"):
        found["heatmap_chart"] = charts.heatmap("heatmap-chart", matrix["labels"], matrix["matrix"])
    return found


METRIC_LABELS = {
    "accuracy": "Accuracy", "macro_precision": "Macro precision", "macro_recall": "Macro recall",
    "macro_f1": "Macro F1", "mean_score": "Mean score", "pass_rate": "Pass rate",
}


def _display(detail: dict) -> dict:
    """The results arranged for the page: metric rows, per-class cells, the heat map's levels."""
    metrics = detail.get("metrics") or {}
    shown = {
        "metric_rows": [{"label": METRIC_LABELS.get(k, k), **v} for k, v in metrics.items() if v],
        "latency_rows": [{"label": k, **v} for k, v in (detail.get("latency") or {}).items()],
        "heatmap": None,
        "segment_rows": [],
    }
    for row in detail.get("per_class") or []:
        row["cells"] = [row["precision"], row["recall"], row["f1"]]
    matrix = detail.get("confusion_matrix")
    if matrix and matrix.get("matrix"):
        top = max(max(r) for r in matrix["matrix"]) or 1
        shown["heatmap"] = {
            "labels": matrix["labels"],
            "rows": [
                (label, [(count, min(9, int(round(9 * count / top)))) for count in counts])
                for label, counts in zip(matrix["labels"], matrix["matrix"], strict=True)
            ],
        }
    for segment in detail.get("segments") or []:
        key, value = next(iter(segment["metrics"].items()), (None, None))
        shown["segment_rows"].append({
            "segment": segment["segment"], "n": segment["n"], "error_share": segment["error_share"],
            "label": METRIC_LABELS.get(key, key or ""), **(value or {"value": None, "ci_low": None, "ci_high": None}),
        })
    return shown


def _status(request, poc, run, *, status=200):
    return render(request, "evaluations/_run_status.html", _run_context(request, poc, run), status=status)


def run_status_response(request, poc, run_id: int, *, error: str = "", status: int = 200):
    """The run's status fragment (after a cancel over htmx), with the refusal's message when there is one."""
    context = _run_context(request, poc, _run(poc, run_id))
    context["recompute_error"] = error
    return render(request, "evaluations/_run_status.html", context, status=status)


@login_required
@require_GET
def run(request, pk, run_id):
    poc = access.get_poc_for_user(request.user, pk)
    return render(request, "evaluations/run.html", _run_context(request, poc, _run(poc, run_id)))


@login_required
@require_GET
def run_status(request, pk, run_id):
    poc = access.get_poc_for_user(request.user, pk)
    return _status(request, poc, _run(poc, run_id))


@login_required
@require_POST
def run_recompute(request, pk, run_id):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    run = _run(poc, run_id)
    form = RecomputeForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.eval_run_recompute(run=run, user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            error = exc.message
    else:
        error = "; ".join(f"{name}: {errs[0]}" for name, errs in form.errors.items())
    if error:
        if request.htmx:
            context = _run_context(request, poc, run)
            context["recompute_error"] = error
            return render(request, "evaluations/_run_status.html", context, status=400)
        context = _run_context(request, poc, run)
        context["recompute_error"] = error
        return render(request, "evaluations/run.html", context, status=400)
    run = _run(poc, run_id)
    if request.htmx:
        return _status(request, poc, run)
    return redirect(reverse("evaluations:run", args=[poc.pk, run.pk]))


@login_required
@require_GET
def run_file(request, pk, run_id):
    """The results file, as a download (never rendered by the browser); ``?calls=1``: a live run's every call
    (JSONL: id, prediction, latency, error kind, HTTP status)."""
    poc = access.get_poc_for_user(request.user, pk)
    run = _run(poc, run_id)
    calls = bool(request.GET.get("calls"))
    stored = run.calls_file if calls else run.file
    if not stored:
        raise Http404("This run has no such file")
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage") from None
    name = f"run-{run.pk}-calls.jsonl" if calls else (run.file_name or "results")
    response = FileResponse(handle, as_attachment=True, filename=name, content_type="application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- Targets (inline edit), the leaderboard, answers from a run -----------------------------------------


def _targets_read(poc, row) -> dict:
    status = selectors.poc_target_status(poc)
    return {"row": row, "quality_status": status["quality"], "latency_status": status["latency"],
            "quality_text": selectors.VERDICT_TEXT.get(status["quality"], ""),
            "latency_text": selectors.VERDICT_TEXT.get(status["latency"], "")}


def _forget_measurements(poc) -> None:
    poc.__dict__.pop("_evaluation_measurements", None)


@login_required
@require_http_methods(["GET", "POST"])
def targets(request, pk):
    """GET: the targets' form to editors (their read card with ``?cancel=1``, or for those who read); POST: save.

    The inline-edit pattern: htmx gets the ``targets`` partial (after a save, with the header out of
    band); without JavaScript the form has a page of its own and a save comes back to ``#targets``.
    """
    poc = access.get_poc_for_user(request.user, pk)
    row = selectors.targets_for(poc)
    ctx = _context(request, poc, editing=False, form=None, conflict=None)
    status = 200
    if request.method == "GET":
        if ctx["can_edit"] and not (request.GET.get("cancel") and request.htmx):
            ctx.update(editing=True, form=TargetsForm(
                initial={**{f: getattr(row, f) for f in services.TARGET_FIELDS}, "version": row.version}))
    else:
        access.check(poc, request.user, access.EDIT)
        form = TargetsForm(request.POST)
        outcome = save_form(
            form, lambda data: services.targets_update(poc=poc, user=request.user, changes=form.changes(),
                                                       version=data["version"]),
        )
        status = outcome.status
        _forget_measurements(poc)
        if outcome.ok:
            row = outcome.result
        else:
            if outcome.conflict:
                row = selectors.targets_for(poc)
                form = TargetsForm(rearmed(request.POST, row.version))
                labels = {name: (field.label or name) for name, field in form.fields.items()}
                typed = form.cleaned_data if form.is_valid() else {}
                ctx["conflict"] = conflict_box(outcome.conflict, typed=typed, labels=labels)
            ctx.update(editing=True, form=form)
    ctx.update(_targets_read(poc, row))
    if request.htmx:
        html = render_to_string("evaluations/index.html#targets", ctx, request=request)
        if request.method == "POST" and status == 200:
            return saved_response(request, poc, html, message="Saved the targets")
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved the targets.")
        return redirect(reverse("evaluations:index", args=[poc.pk]) + "#targets")
    return render(request, "evaluations/targets_page.html", ctx, status=status)


def _leaderboard_chart(board: dict, targets) -> object | None:
    if not board["rows"]:
        return None
    metric = board["metric"]
    rows = [{"label": r["model_version_name"], "value": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
             "note": "best" if r["best"] else ""} for r in board["rows"]]
    threshold = targets.quality_threshold if targets and targets.quality_metric == metric else None
    return charts.interval_chart(
        "leaderboard-chart", f"{QUALITY_METRICS[metric]} by model version on {board['dataset_name']}", rows,
        target=threshold, unit_interval=metric != "mean_score",
    )


@login_required
@require_GET
def compare(request, pk):
    """The leaderboard for the chosen metric, dataset and model versions (a fragment over htmx, else a page)."""
    poc = access.get_poc_for_user(request.user, pk)
    form = CompareForm(request.GET, poc=poc, datasets=list(selectors.datasets_for(poc)),
                       model_versions=list(selectors.model_versions_for(poc)))
    ctx = _context(request, poc, compare_form=form, board=None, chart=None, error="")
    status = 200
    if form.is_valid():
        data = form.cleaned_data
        try:
            targets = selectors.targets_for(poc)
            board = selectors.leaderboard(
                poc, metric=data["metric"] or None, dataset_id=data["dataset"].pk if data["dataset"] else None,
                model_version_ids=[m.pk for m in data["model_version"]], targets=targets,
            )
        except ServiceError as exc:
            ctx["error"], status = exc.message, 400
        else:
            ctx.update(board=board, chart=_leaderboard_chart(board, targets),
                       metric_label=QUALITY_METRICS.get(board["metric"], ""))
    else:
        ctx["error"], status = "; ".join(f"{name}: {errs[0]}" for name, errs in form.errors.items()), 400
    template = "evaluations/_leaderboard.html" if request.htmx else "evaluations/compare.html"
    return render(request, template, ctx, status=status)


@login_required
@require_POST
def run_answer(request, pk, run_id):
    """Answer the quality or latency validation question (``kind``) from this run, linking the run as evidence."""
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    run = _run(poc, run_id)
    kind = request.POST.get("kind", "")
    evidence = request.build_absolute_uri(reverse("evaluations:run", args=[poc.pk, run.pk]))
    try:
        question = services.validation_answer_from_run(run=run, user=request.user, kind=kind, evidence_url=evidence)
    except ServiceError as exc:
        if request.htmx:
            return render(request, "evaluations/_answer.html", {"error": exc.message}, status=400)
        messages.error(request, exc.message)
        return redirect(reverse("evaluations:run", args=[poc.pk, run.pk]))
    kickoff = reverse("checklists:kickoff", args=[poc.pk]) + f"#validation-{question.kind}"
    message = f"Answered validation question {question.number} ({question.get_kind_display()}) from run #{run.pk}"
    if request.htmx:
        _forget_measurements(poc)
        html = render_to_string("evaluations/_answer.html", {"question": question, "kickoff": kickoff,
                                                             "answer": question.answer}, request=request)
        return saved_response(request, poc, html, message=message)
    messages.success(request, message + ".")
    return redirect(reverse("evaluations:run", args=[poc.pk, run.pk]))
