"""Pages of live evaluation: a dataset's items, the PoC's model endpoints, starting and cancelling a live run.

The same rules as the other evaluation pages: every view starts from ``access.get_poc_for_user``
(404 for a PoC the user cannot see, 403 for a write they may not make), writes go through the
services, and rows edit in place (the inline-edit pattern: GET the row's form, ``?cancel=1`` its read
state, POST saves; without JavaScript each row has a page of its own). A stored endpoint's headers
are never rendered: the page shows their names only.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from apps.core.errors import ServiceError
from apps.core.forms import conflict_box, rearmed, save_form
from apps.core.uploads import install_size_limit
from apps.evaluations import charts, selectors, services
from apps.evaluations.forms import (
    DatasetForm,
    EndpointCreateForm,
    EndpointForm,
    ItemCreateForm,
    ItemForm,
    ItemsImportForm,
    LiveRunForm,
    LoadTestForm,
)
from apps.evaluations.models import Dataset, DatasetItem, EvalRun, LoadTest, ModelEndpoint
from apps.pocs import access
from apps.pocs.header import saved_response

TAB = "evaluations"
PAGE = "evaluations/dataset.html"
ITEMS_PER_PAGE = 50


def _ctx(request, poc, **extra) -> dict:
    return {"poc": poc, "tab": TAB, "can_edit": access.allowed(poc, request.user, access.EDIT), **extra}


# --- A dataset's page: its fields and its items ------------------------------------------------------------


def _dataset(poc, dataset_id) -> Dataset:
    dataset = get_object_or_404(Dataset, poc=poc, pk=dataset_id)
    dataset.poc = poc
    return dataset


def items_context(request, poc, dataset, **extra) -> dict:
    """The items section: one page of items (``?page=``), the import and add forms for editors."""
    ctx = _ctx(request, poc, dataset=dataset)
    page = Paginator(DatasetItem.objects.filter(dataset=dataset).order_by("id"), ITEMS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    ctx.update(
        page=page,
        rows=[{"item": item, "mode": "read"} for item in page],
        import_form=ItemsImportForm() if ctx["can_edit"] else None,
        add_form=ItemCreateForm(prefix="new-item") if ctx["can_edit"] else None,
    )
    ctx.update(extra)  # a refused form in place of its empty one
    return ctx


def dataset_page(request, poc, dataset, *, form=None, conflict=None, status=200, **extra):
    """The dataset's page: its edit form (or read card) and its items."""
    ctx = items_context(request, poc, dataset, **extra)
    fields = [f for f in DatasetForm.base_fields if f != "version"]
    ctx.update(
        row=dataset,
        label="dataset",
        conflict=conflict,
        values=[(DatasetForm.base_fields[f].label or f, getattr(dataset, f)) for f in fields],
    )
    if form is None and ctx["can_edit"]:
        form = DatasetForm(initial={**{f: getattr(dataset, f) for f in fields}, "version": dataset.version})
    ctx["form"] = form
    return render(request, PAGE, ctx, status=status)


def _items_answer(request, poc, dataset, *, message: str, **extra):
    """After an import, an add or a removal: the items section again (htmx, with the header), or back to it."""
    if request.htmx:
        html = render_to_string(f"{PAGE}#items", items_context(request, poc, dataset, **extra), request=request)
        return saved_response(request, poc, html, message=message)
    messages.success(request, message + ".")
    return redirect(reverse("evaluations:dataset", args=[poc.pk, dataset.pk]) + "#items")


def _items_refused(request, poc, dataset, status: int, **forms):
    if request.htmx:
        ctx = items_context(request, poc, dataset, **forms)
        return HttpResponse(render_to_string(f"{PAGE}#items", ctx, request=request), status=status)
    return dataset_page(request, poc, dataset, status=status, **forms)


@login_required
@csrf_exempt  # the size limit must be installed before CSRF reads the body; CSRF is checked below
@require_POST
def items_import(request, pk, dataset_id):
    install_size_limit(request, services.upload_limit())
    return _items_import(request, pk, dataset_id)


@csrf_protect
def _items_import(request, pk, dataset_id):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    dataset = _dataset(poc, dataset_id)
    form = ItemsImportForm(request.POST, request.FILES)
    if request.upload_too_large:
        form.is_valid()
        form.add_error("file", services.too_big_message())
        return _items_refused(request, poc, dataset, 400, import_form=form)
    outcome = save_form(
        form, lambda data: services.dataset_items_replace(dataset=dataset, user=request.user, upload=data["file"])
    )
    if not outcome.ok:
        return _items_refused(request, poc, dataset, outcome.status, import_form=form)
    return _items_answer(request, poc, dataset, message=f"Imported {outcome.result:,} items into “{dataset}”")


@login_required
@require_POST
def item_create(request, pk, dataset_id):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    dataset = _dataset(poc, dataset_id)
    form = ItemCreateForm(request.POST, prefix="new-item")
    outcome = save_form(form, lambda data: services.dataset_item_create(dataset=dataset, user=request.user, data=data))
    if not outcome.ok:
        return _items_refused(request, poc, dataset, outcome.status, add_form=form)
    return _items_answer(request, poc, dataset, message=f"Added the item “{outcome.result.item_id}”")


def _item(dataset, item_id) -> DatasetItem:
    item = get_object_or_404(DatasetItem, dataset=dataset, pk=item_id)
    item.dataset = dataset
    return item


def _item_initial(item: DatasetItem) -> dict:
    return {**services.dataset_item_snapshot(item), "version": item.version}


@login_required
@require_http_methods(["GET", "POST"])
def item(request, pk, dataset_id, dataset_item_id):
    """GET: the item's form to editors (its read row with ``?cancel=1``, or for readers); POST: save it."""
    poc = access.get_poc_for_user(request.user, pk)
    dataset = _dataset(poc, dataset_id)
    row = _item(dataset, dataset_item_id)
    ctx = _ctx(request, poc, dataset=dataset, row={"item": row, "mode": "read"}, conflict=None)
    status = 200
    prefix = f"item-{row.pk}"
    if request.method == "GET":
        if ctx["can_edit"] and not (request.GET.get("cancel") and request.htmx):
            ctx["row"] = {"item": row, "mode": "edit", "form": ItemForm(initial=_item_initial(row), prefix_id=prefix)}
    else:
        access.check(poc, request.user, access.EDIT)
        form = ItemForm(request.POST, prefix_id=prefix)
        outcome = save_form(
            form,
            lambda data: services.dataset_item_update(
                item=row, user=request.user, changes=form.changes(), version=data["version"]
            ),
        )
        status = outcome.status
        if outcome.ok:
            ctx["row"] = {"item": outcome.result, "mode": "read"}
        else:
            if outcome.conflict:
                current = DatasetItem.objects.get(pk=row.pk)
                form = ItemForm(rearmed(request.POST, current.version), prefix_id=prefix)
                typed = form.cleaned_data if form.is_valid() else {}
                ctx["conflict"] = conflict_box(
                    outcome.conflict, typed=typed, labels={n: f.label or n for n, f in form.fields.items()}
                )
            ctx["row"] = {"item": row, "mode": "edit", "form": form}
    if request.htmx:
        html = render_to_string(f"{PAGE}#item", ctx, request=request)
        if request.method == "POST" and status == 200:
            return saved_response(request, poc, html, message=f"Saved the item “{ctx['row']['item'].item_id}”")
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved the item.")
        return redirect(reverse("evaluations:dataset", args=[poc.pk, dataset.pk]) + f"#item-{row.pk}")
    return render(
        request,
        "evaluations/row_page.html",
        {
            **ctx,
            "partial": f"{PAGE}#item",
            "back": reverse("evaluations:dataset", args=[poc.pk, dataset.pk]),
            "table_class": "items",
        },
        status=status,
    )


@login_required
@require_POST
def item_delete(request, pk, dataset_id, dataset_item_id):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    dataset = _dataset(poc, dataset_id)
    row = _item(dataset, dataset_item_id)
    services.dataset_item_delete(item=row, user=request.user)
    if request.htmx:
        return saved_response(request, poc, "", message=f"Removed the item “{row.item_id}”")
    messages.success(request, f"Removed the item “{row.item_id}”.")
    return redirect(reverse("evaluations:dataset", args=[poc.pk, dataset.pk]) + "#items")


# --- Model endpoints --------------------------------------------------------------------------------------------


def endpoints_context(request, poc, *, model_versions=None, **extra) -> dict:
    """The endpoints section of the index: a read row per endpoint, the register form for editors."""
    ctx = _ctx(request, poc)
    rows = list(ModelEndpoint.objects.filter(poc=poc).select_related("model_version").order_by("name", "id"))
    ctx.update(endpoints=[{"endpoint": e, "mode": "read"} for e in rows], **extra)
    if ctx["can_edit"] and "endpoint_form" not in extra:
        ctx["endpoint_form"] = EndpointCreateForm(poc=poc, model_versions=model_versions, prefix="endpoint")
    return ctx


def _endpoint_initial(endpoint: ModelEndpoint) -> dict:
    snapshot = services.model_endpoint_snapshot(endpoint)
    snapshot.pop("header_names")
    return {**snapshot, "version": endpoint.version}


@login_required
@require_POST
def endpoint_create(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = EndpointCreateForm(request.POST, poc=poc, prefix="endpoint")
    outcome = save_form(
        form, lambda data: services.model_endpoint_create(poc=poc, user=request.user, data=form.changes())
    )
    index = reverse("evaluations:index", args=[poc.pk])
    if request.htmx:
        if outcome.ok:
            html = render_to_string(
                "evaluations/index.html#endpoints", endpoints_context(request, poc), request=request
            )
            return saved_response(request, poc, html, message=f"Registered the endpoint “{outcome.result}”")
        html = render_to_string(
            "evaluations/index.html#endpoints",
            endpoints_context(request, poc, endpoint_form=form, endpoint_form_open=True),
            request=request,
        )
        return HttpResponse(html, status=outcome.status)
    if outcome.ok:
        messages.success(request, f"Registered the endpoint “{outcome.result}”.")
        return redirect(index + f"#endpoint-{outcome.result.pk}")
    from apps.evaluations.views import render_index

    return render_index(request, poc, status=outcome.status, endpoint_form=form)


def _endpoint(poc, endpoint_id) -> ModelEndpoint:
    row = get_object_or_404(ModelEndpoint.objects.select_related("model_version"), poc=poc, pk=endpoint_id)
    row.poc = poc
    return row


@login_required
@require_http_methods(["GET", "POST"])
def endpoint(request, pk, endpoint_id):
    """GET: the endpoint's form to editors (its read row with ``?cancel=1``, or for readers); POST: save it.

    The headers field is always empty on the form: stored headers are never sent back to a browser.
    """
    poc = access.get_poc_for_user(request.user, pk)
    row = _endpoint(poc, endpoint_id)
    ctx = _ctx(request, poc, row={"endpoint": row, "mode": "read"}, conflict=None)
    status = 200
    prefix = f"endpoint-{row.pk}"
    if request.method == "GET":
        if ctx["can_edit"] and not (request.GET.get("cancel") and request.htmx):
            ctx["row"] = {
                "endpoint": row,
                "mode": "edit",
                "form": EndpointForm(initial=_endpoint_initial(row), poc=poc, prefix_id=prefix),
            }
    else:
        access.check(poc, request.user, access.EDIT)
        form = EndpointForm(request.POST, poc=poc, prefix_id=prefix)
        outcome = save_form(
            form,
            lambda data: services.model_endpoint_update(
                endpoint=row, user=request.user, changes=form.changes(), version=data["version"]
            ),
        )
        status = outcome.status
        if outcome.ok:
            ctx["row"] = {"endpoint": _endpoint(poc, row.pk), "mode": "read"}
        else:
            if outcome.conflict:
                current = ModelEndpoint.objects.get(pk=row.pk)
                data = rearmed(request.POST, current.version)
                data.pop("headers", None)  # typed credentials are not echoed back into the page
                form = EndpointForm(data, poc=poc, prefix_id=prefix)
                typed = {k: v for k, v in (form.cleaned_data if form.is_valid() else {}).items() if k != "headers"}
                if typed.get("model_version") is not None:
                    typed["model_version"] = typed["model_version"].pk
                ctx["conflict"] = conflict_box(
                    outcome.conflict, typed=typed, labels={n: f.label or n for n, f in form.fields.items()}
                )
            ctx["row"] = {"endpoint": row, "mode": "edit", "form": form}
    if request.htmx:
        html = render_to_string("evaluations/index.html#endpoint", ctx, request=request)
        if request.method == "POST" and status == 200:
            return saved_response(request, poc, html, message=f"Saved the endpoint “{ctx['row']['endpoint']}”")
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved the endpoint.")
        return redirect(reverse("evaluations:index", args=[poc.pk]) + f"#endpoint-{row.pk}")
    return render(
        request,
        "evaluations/row_page.html",
        {
            **ctx,
            "partial": "evaluations/index.html#endpoint",
            "back": reverse("evaluations:index", args=[poc.pk]),
            "table_class": "endpoints",
        },
        status=status,
    )


@login_required
@require_POST
def endpoint_delete(request, pk, endpoint_id):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    row = _endpoint(poc, endpoint_id)
    services.model_endpoint_delete(endpoint=row, user=request.user)
    if request.htmx:
        return saved_response(request, poc, "", message=f"Removed the endpoint “{row}”")
    messages.success(request, f"Removed the endpoint “{row}”.")
    return redirect(reverse("evaluations:index", args=[poc.pk]) + "#endpoints")


# --- Live runs: start, cancel, the calls ------------------------------------------------------------------------


@login_required
@require_POST
def live_run_create(request, pk):
    """Start a live run; the run's page then shows its progress and a Cancel button."""
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = LiveRunForm(request.POST, poc=poc)
    return _start_from_index(request, poc, form, lambda data: services.harness_run_create(
        poc=poc, user=request.user, **data), section="live", form_name="live_form", page="evaluations:run")


def _start_from_index(request, poc, form, create, *, section: str, form_name: str, page: str):
    """Start a live run or a load test from its form on the Evaluations page: refused, the form again with
    its messages (over htmx, its ``section`` of the page only); started, the new run's ``page``."""
    outcome = save_form(form, create)
    if not outcome.ok:
        if request.htmx:
            html = render_to_string(f"evaluations/index.html#{section}", _ctx(request, poc, **{form_name: form}),
                                    request=request)
            return HttpResponse(html, status=outcome.status)
        from apps.evaluations.views import render_index

        return render_index(request, poc, status=outcome.status, **{form_name: form})
    return _go_to(request, reverse(page, args=[poc.pk, outcome.result.pk]))


def _go_to(request, url: str):
    """The page at ``url``: a client-side redirect over htmx (the whole page changes), else a redirect."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_POST
def run_cancel(request, pk, run_id):
    from apps.evaluations.views import run_status_response

    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    run = get_object_or_404(EvalRun, poc=poc, pk=run_id)
    run.poc = poc
    error = ""
    try:
        services.harness_run_cancel(run=run, user=request.user)
    except ServiceError as exc:
        error = exc.message
    if request.htmx:
        return run_status_response(request, poc, run.pk, error=error, status=400 if error else 200)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Cancelling run #{run.pk}: no new call starts.")
    return redirect(reverse("evaluations:run", args=[poc.pk, run.pk]))


def run_calls_shown(run: EvalRun, limit: int = 200) -> dict | None:
    """A live run's calls for its page: the failed ones first (each with its kind and HTTP status), then the
    answered ones, at most ``limit`` rows; None for an uploaded run or one whose calls are not written yet."""
    import json

    if run.source != EvalRun.Source.HARNESS or not run.calls_file:
        return None
    failed, answered, total = [], [], 0
    try:
        with run.calls_file.open("rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                total += 1
                call = json.loads(line)
                if call.get("error"):
                    if len(failed) < limit:
                        failed.append(call)
                elif len(answered) < limit:
                    answered.append(call)
    except FileNotFoundError:
        return None
    rows = (failed + answered)[:limit]
    return {"rows": rows, "total": total, "shown": len(rows)}


# --- Load tests ---------------------------------------------------------------------------------------------


@login_required
@require_POST
def load_test_create(request, pk):
    """Start a load test; its page then follows it and draws its latency per rate."""
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = LoadTestForm(request.POST, poc=poc)
    return _start_from_index(request, poc, form, lambda data: services.load_test_create(
        poc=poc, user=request.user, **data), section="load", form_name="load_form", page="evaluations:load-test")


def load_test_chart(body: dict):
    """The target's percentile (p95 without a target) per rate, with intervals and the target's maximum."""
    key = body["percentile"] if body["percentile"] in ("p50", "p95", "p99") else "p95"
    rows = [
        {"label": f"{row['rate']:g} per second", **row[key], "note": "knee" if body["knee_rate"] == row["rate"] else ""}
        for row in body["rates"]
        if row.get(key)
    ]
    if not rows:
        return None
    return charts.interval_chart(
        "load-chart",
        f"Latency {key} by request rate (ms)",
        rows,
        digits=0,
        target=body["max_ms"],
        target_label=f"maximum for {body['percentile']}",
        unit_interval=False,
        unit=" ms",
    )


@login_required
@require_http_methods(["GET"])
def load_test(request, pk, load_test_id):
    """A load test's page; over htmx its status fragment, polled until the test is done or failed."""
    poc = access.get_poc_for_user(request.user, pk)
    test = get_object_or_404(LoadTest.objects.select_related("endpoint", "dataset"), poc=poc, pk=load_test_id)
    test.poc = poc
    body = selectors.load_test_body(test)
    ctx = _ctx(
        request,
        poc,
        test=test,
        body=body,
        final=body["status"] in ("done", "failed", "cancelled"),
        chart=load_test_chart(body) if body["rates"] else None,
    )
    if request.htmx:
        return render(request, "evaluations/load_test.html#status", ctx)
    return render(request, "evaluations/load_test.html", ctx)


@login_required
@require_POST
def load_test_answer(request, pk, load_test_id):
    """Answer the latency validation question from this load test, linking it as evidence."""
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    test = get_object_or_404(LoadTest.objects.select_related("endpoint"), poc=poc, pk=load_test_id)
    test.poc = poc
    page = reverse("evaluations:load-test", args=[poc.pk, test.pk])
    try:
        question = services.validation_answer_from_load_test(
            load_test=test, user=request.user, evidence_url=request.build_absolute_uri(page)
        )
    except ServiceError as exc:
        if request.htmx:
            return render(request, "evaluations/_answer.html", {"error": exc.message}, status=400)
        messages.error(request, exc.message)
        return redirect(page)
    kickoff = reverse("checklists:kickoff", args=[poc.pk]) + f"#validation-{question.kind}"
    message = (
        f"Answered validation question {question.number} ({question.get_kind_display()}) from load test #{test.pk}"
    )
    if request.htmx:
        html = render_to_string(
            "evaluations/_answer.html",
            {"question": question, "kickoff": kickoff, "answer": question.answer},
            request=request,
        )
        return saved_response(request, poc, html, message=message)
    messages.success(request, message + ".")
    return redirect(page)


@login_required
@require_http_methods(["GET"])
def load_test_suggest(request, pk):
    """The load-test form with the rates suggested from the cost model's volumes at the given peak factor."""
    from apps.evaluations.forms import PeakFactorForm

    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    factor_form = PeakFactorForm(request.GET)
    factor = factor_form.cleaned_data["peak_factor"] if factor_form.is_valid() else None
    peak = selectors.peak_rate_suggestions(poc, factor)
    initial = {"rates": ", ".join(f"{row['rate']:g}" for row in peak)} if peak and factor is not None else {}
    form = LoadTestForm(poc=poc, initial=initial)
    extra = {"load_form": form, "peak": peak, "factor_form": factor_form, "load_open": True}
    if request.htmx:
        status = 200 if factor is not None else 400
        return render(request, "evaluations/index.html#load", _ctx(request, poc, **extra), status=status)
    from apps.evaluations.views import render_index

    return render_index(request, poc, **extra)


@login_required
@require_POST
def load_test_cancel(request, pk, load_test_id):
    """Cancel a load test; its page shows it cancelled with the rates measured so far."""
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    test = get_object_or_404(LoadTest, poc=poc, pk=load_test_id)
    test.poc = poc
    page = reverse("evaluations:load-test", args=[poc.pk, test.pk])
    try:
        services.load_test_cancel(load_test=test, user=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Cancelling load test #{test.pk}: no new request starts.")
    return _go_to(request, page)


@login_required
@require_POST
def monitoring(request, pk):
    """Save the drift watch (schedule, endpoint) of a go PoC: ``edit_ops_items``, the production owner's right."""
    from apps.evaluations.forms import MonitoringForm

    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT_OPS_ITEMS)
    form = MonitoringForm(request.POST, poc=poc)
    outcome = save_form(form, lambda data: services.monitoring_update(
        poc=poc, user=request.user, changes={"schedule": data["schedule"], "endpoint": data["endpoint"]}))
    if not outcome.ok:
        from apps.evaluations.views import render_index

        return render_index(request, poc, status=outcome.status, monitoring_form=form)
    messages.success(request, "Saved the drift watch.")
    return redirect(reverse("evaluations:index", args=[poc.pk]) + "#drift")
