"""Cost pages under ``/pocs/<pk>/costs/``: the baseline, the cost lines and the results.

Every view starts from ``access.get_poc_for_user`` (404 for a PoC the user cannot see, 403 for a
write they may not make). The baseline and each line follow the inline-edit pattern (a read row
with Edit; GET the form, ``?cancel=1`` the read row; POST saves through ``save_form``); a save
answers through ``pocs.header.saved_response`` with the results panel out of band, and the panel
polls itself while a recompute is queued or running.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.forms import conflict_box, rearmed, save_form
from apps.core.jobs import job_check
from apps.costs import charts, selectors, services
from apps.costs.forms import BaselineForm, LineCreateForm, LineForm
from apps.costs.models import Category, CostLine, Scenario
from apps.pocs import access, header
from apps.pocs.models import DataSensitivity

TAB = "costs"
PAGE = "costs/index.html"


def _index_url(poc, anchor: str = "") -> str:
    return reverse("costs:index", args=[poc.pk]) + (f"#{anchor}" if anchor else "")


def results_context(poc, state: dict) -> dict:
    """The results panel: per scenario (own hardware first when the data must stay on-premises) a table
    of the scales, the charts, the break-even and crossover volumes, and whether the results are stale."""
    job = state["job"]
    if job is not None and not job.is_final:
        job = job_check(job)  # sends a job the broker refused, recovers one whose worker stopped
    results = state["results"]
    case = state["case"]
    currency = getattr(case, "currency", "") or ""
    on_premises = poc.data_sensitivity == DataSensitivity.ON_PREMISES
    order = [Scenario.OWN_HARDWARE, Scenario.HOSTED] if on_premises else [Scenario.HOSTED, Scenario.OWN_HARDWARE]
    scenarios = []
    for name in order:
        rows = (results.get("scenarios") or {}).get(name)
        if not rows:
            continue
        categories = sorted({c for r in rows for c in r["by_category"]}, key=lambda c: Category.values.index(c))
        scenarios.append({
            "name": name,
            "label": selectors.SCENARIO_LABELS[name],
            "rows": rows,
            "categories": [(c, selectors.CATEGORY_LABELS.get(c, c)) for c in categories],
            "bars": charts.cost_bars(rows, categories, selectors.CATEGORY_LABELS, currency),
            "per_scale": [
                {"row": r, "tornado": charts.tornado(r["tornado"], currency, scale=r["scale"]),
                 "distribution": charts.distribution(r.get("histogram"), r, currency)}
                for r in rows
            ],
        })
    used, source = state["quality"]
    return {
        "poc": poc,
        "state": state,
        "results": results,
        "scenarios": scenarios,
        "currency": currency,
        "on_premises": on_premises,
        "pending": job is not None and not job.is_final,
        "failed": job is not None and job.status == "failed",
        "job": job,
        "quality_used": used,
        "quality_source": source,
        "category_labels": selectors.CATEGORY_LABELS,
    }


def page_context(request, poc) -> dict:
    state = selectors.cost_model_state(poc)
    can_edit = access.allowed(poc, request.user, access.EDIT)
    return {
        **results_context(poc, state),
        "tab": TAB,
        "can_edit": can_edit,
        "model": state["model"],
        "case": state["case"],
        "lines": [{"line": line, "mode": "read"} for line in state["lines"]],
        "add_form": LineCreateForm(prefix="new") if can_edit else None,
        "baseline_mode": "read",
    }


@login_required
@require_GET
def index(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return render(request, PAGE, page_context(request, poc))


@login_required
@require_GET
def results(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return render(request, f"{PAGE}#results", results_context(poc, selectors.cost_model_state(poc)))


def _saved(request, poc, html: str, *, message: str):
    """A save over htmx: ``html``, the results panel out of band, then the header (``saved_response``)."""
    ctx = {**results_context(poc, selectors.cost_model_state(poc)), "oob": True}
    panel = render_to_string(f"{PAGE}#results", ctx, request=request)
    return header.saved_response(request, poc, html + panel, message=message)


def _baseline_initial(state) -> dict:
    model, case = state["model"], state["case"]
    return {
        "volume_per_month": model.volume_per_month, "users": model.users, "quality": model.quality,
        "model_version": model.model_version, "scales": ", ".join(str(s) for s in model.scales),
        "unit_name": getattr(case, "unit", ""), "value_per_unit": getattr(case, "value_per_unit", None),
        "monthly_benefit": getattr(case, "monthly_benefit", None), "currency": getattr(case, "currency", "EUR"),
    }


@login_required
@require_http_methods(["GET", "POST"])
def baseline(request, pk):
    """GET: the baseline's form to editors (its read card with ``?cancel=1``, or for readers); POST: save it."""
    poc = access.get_poc_for_user(request.user, pk)
    can_edit = access.allowed(poc, request.user, access.EDIT)
    state = selectors.cost_model_state(poc)
    ctx = {"poc": poc, "can_edit": can_edit, "model": state["model"], "case": state["case"],
           "quality_used": state["quality"][0], "quality_source": state["quality"][1], "baseline_mode": "read"}
    status = 200
    if request.method == "GET":
        if can_edit and not (request.GET.get("cancel") and request.htmx):
            ctx.update(baseline_mode="edit", form=BaselineForm(initial=_baseline_initial(state)))
    else:
        access.check(poc, request.user, access.EDIT)
        form = BaselineForm(request.POST)
        outcome = save_form(form, lambda data: services.cost_model_update(
            poc=poc, user=request.user, changes=form.changes()))
        status = outcome.status
        if outcome.ok:
            state = selectors.cost_model_state(poc)
            ctx.update(model=state["model"], case=state["case"], quality_used=state["quality"][0],
                       quality_source=state["quality"][1])
        else:
            ctx.update(baseline_mode="edit", form=form)
    if request.htmx:
        html = render_to_string(f"{PAGE}#baseline", ctx, request=request)
        if request.method == "POST" and status == 200:
            return _saved(request, poc, html, message="Saved the baseline")
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved the baseline.")
        return redirect(_index_url(poc, "cost-baseline"))
    return render(request, "costs/row_page.html", {**ctx, "partial": f"{PAGE}#baseline", "tab": TAB}, status=status)


@login_required
@require_POST
def line_add(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    form = LineCreateForm(request.POST, prefix="new")
    outcome = save_form(form, lambda data: services.cost_line_create(poc=poc, user=request.user, data=data))
    if request.htmx:
        if outcome.ok:
            ctx = {"poc": poc, "can_edit": True, "add_form": LineCreateForm(prefix="new")}
            html = render_to_string(f"{PAGE}#line-add", ctx, request=request)
            table = {"poc": poc, "can_edit": True, "oob": True,
                     "lines": [{"line": line, "mode": "read"} for line in selectors.lines_for(poc)]}
            html += render_to_string(f"{PAGE}#lines-table", table, request=request)
            return _saved(request, poc, html, message=f"Added the line “{outcome.result.name}”")
        html = render_to_string(f"{PAGE}#line-add", {"poc": poc, "can_edit": True, "add_form": form}, request=request)
        return HttpResponse(html, status=outcome.status)
    if outcome.ok:
        messages.success(request, f"Added the line “{outcome.result.name}”.")
        return redirect(_index_url(poc, f"line-{outcome.result.pk}"))
    ctx = {**page_context(request, poc), "add_form": form}
    return render(request, PAGE, ctx, status=outcome.status)


def _line_initial(line: CostLine) -> dict:
    return {**{f: getattr(line, f) for f in services.LINE_FIELDS}, "version": line.version}


@login_required
@require_http_methods(["GET", "POST"])
def line(request, pk, line_id):
    """GET: the line's form to editors (its read row with ``?cancel=1``, or for readers); POST: save it."""
    poc = access.get_poc_for_user(request.user, pk)
    row = get_object_or_404(CostLine, poc=poc, pk=line_id)
    row.poc = poc
    can_edit = access.allowed(poc, request.user, access.EDIT)
    ctx = {"poc": poc, "can_edit": can_edit, "row": {"line": row, "mode": "read"}, "conflict": None}
    status = 200
    if request.method == "GET":
        if can_edit and not (request.GET.get("cancel") and request.htmx):
            ctx["row"] = {"line": row, "mode": "edit", "form": LineForm(initial=_line_initial(row),
                                                                        prefix_id=f"line-{row.pk}")}
    else:
        access.check(poc, request.user, access.EDIT)
        form = LineForm(request.POST, prefix_id=f"line-{row.pk}")
        outcome = save_form(form, lambda data: services.cost_line_update(
            line=row, user=request.user, changes=form.changes(), version=data["version"]))
        status = outcome.status
        if outcome.ok:
            ctx["row"] = {"line": outcome.result, "mode": "read"}
        else:
            if outcome.conflict:
                current = CostLine.objects.get(pk=row.pk)
                form = LineForm(rearmed(request.POST, current.version), prefix_id=f"line-{row.pk}")
                typed = form.cleaned_data if form.is_valid() else {}
                ctx["conflict"] = conflict_box(outcome.conflict, typed={k: str(v) if v is not None else v
                                                                        for k, v in typed.items()},
                                               labels={n: f.label or n for n, f in form.fields.items()})
            ctx["row"] = {"line": row, "mode": "edit", "form": form}
    if request.htmx:
        html = render_to_string(f"{PAGE}#line", ctx, request=request)
        if request.method == "POST" and status == 200:
            return _saved(request, poc, html, message=f"Saved the line “{ctx['row']['line'].name}”")
        return HttpResponse(html, status=status)
    if request.method == "POST" and status == 200:
        messages.success(request, "Saved the line.")
        return redirect(_index_url(poc, f"line-{row.pk}"))
    return render(request, "costs/row_page.html", {**ctx, "partial": f"{PAGE}#line", "tab": TAB}, status=status)


@login_required
@require_POST
def line_delete(request, pk, line_id):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    row = get_object_or_404(CostLine, poc=poc, pk=line_id)
    row.poc = poc
    services.cost_line_delete(line=row, user=request.user)
    if request.htmx:
        return _saved(request, poc, "", message=f"Removed the line “{row.name}”")
    messages.success(request, f"Removed the line “{row.name}”.")
    return redirect(_index_url(poc, "cost-lines"))


@login_required
@require_POST
def recompute(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    services.cost_model_recompute(poc=poc, user=request.user)
    if request.htmx:
        return render(request, f"{PAGE}#results", results_context(poc, selectors.cost_model_state(poc)))
    messages.success(request, "Recomputing the cost model.")
    return redirect(_index_url(poc, "cost-results"))
