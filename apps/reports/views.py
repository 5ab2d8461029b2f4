"""Report pages under ``/pocs/<pk>/report/``: export (a job whose status the page polls), download,
and the verification of an uploaded PDF against the signed report.

Every view starts from ``access.get_poc_for_user`` (404 for a PoC the user cannot see).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.jobs import job_check
from apps.pocs import access
from apps.pocs.models import Stage
from apps.reports import selectors, services

TAB = "report"
PAGE = "reports/index.html"
SHOWN = 10  # exports listed on the page
MAX_VERIFY_BYTES = 50 * 1024 * 1024


def _checked(report):
    if report.job is not None and not report.job.is_final:
        report.job = job_check(report.job)  # sends a job the broker refused, recovers one whose worker stopped
    return report


def _row(report) -> dict:
    return {"report": report, "status": selectors.status_of(report), "error": selectors.error_of(report)}


def page_context(request, poc, **extra) -> dict:
    reports = list(selectors.reports_for(poc)[:SHOWN])
    return {
        "poc": poc,
        "tab": TAB,
        "rows": [_row(r) for r in reports],
        "decided": poc.stage == Stage.DECIDED,
        "signed": selectors.signed_report_for(poc),
        **extra,
    }


@login_required
@require_GET
def index(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return render(request, PAGE, page_context(request, poc))


@login_required
@require_POST
def export(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    requested = services.report_request(poc=poc, user=request.user)
    report = selectors.report_of(poc, requested.pk)
    if request.htmx:
        response = render(request, f"{PAGE}#report-row", {"poc": poc, "row": _row(report), "oob": True})
        if requested.reused:
            # The earlier export is listed already: its row moves to the top instead of showing twice.
            removal = format_html('<li id="report-{}" hx-swap-oob="delete"></li>', report.pk)
            response.content = removal.encode() + response.content
        return response
    return redirect(reverse("reports:index", args=[poc.pk]) + f"#report-{report.pk}")


def _report(poc, report_id):
    report = selectors.report_of(poc, report_id)
    if report is None:
        raise Http404("No such report.")
    return report


@login_required
@require_GET
def status(request, pk, report_id):
    poc = access.get_poc_for_user(request.user, pk)
    report = _checked(_report(poc, report_id))
    return render(request, f"{PAGE}#report-row", {"poc": poc, "row": _row(report)})


def pdf_response(poc, report) -> HttpResponse:
    if poc.stage == Stage.DECIDED and selectors.signed_report_for(poc) is None and report.sha256:
        # A draft of a PoC signed before reports existed: its signed report is made now, once.
        services.signed_report_ensure(poc=poc, user=report.created_by)
    found = selectors.report_file(report)
    if found is None:
        raise Http404("The report is not ready.")
    content, digest, signed = found
    response = HttpResponse(content, content_type="application/pdf")
    name = selectors.file_name(poc, signed=signed)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["X-Report-SHA256"] = digest
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def download(request, pk, report_id):
    poc = access.get_poc_for_user(request.user, pk)
    return pdf_response(poc, _report(poc, report_id))


@login_required
@require_http_methods(["GET", "POST"])
def verify(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    context = page_context(request, poc)
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["verify_error"] = "Choose the PDF file to verify."
            status = 400
        elif upload.size > MAX_VERIFY_BYTES:
            context["verify_error"] = f"The file is larger than {MAX_VERIFY_BYTES // (1024 * 1024)} MB."
            status = 400
        else:
            context["verdict"] = selectors.verify(poc, upload.chunks())
            context["verified_name"] = upload.name
    template = f"{PAGE}#verify" if request.htmx else "reports/verify.html"
    return render(request, template, context, status=status)
