"""Reads of the reports app: an export's status as the API and the page show it, the bytes to
download, the signed report of a PoC, an earlier export a new request may return, and verification
of an uploaded PDF against the signed report."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.jobs import ACTIVE
from apps.core.models import Job
from apps.pocs.models import PoC, Stage
from apps.reports.models import Report, SignedReport

# A request for the same evidence within this time gets the earlier export instead of a new rendering.
REUSE_WITHIN = timedelta(hours=1)

# Job states as the API names them: queued | running | done | failed.
JOB_STATUS = {
    Job.Status.QUEUED: "queued",
    Job.Status.RUNNING: "running",
    Job.Status.RETRYING: "running",
    Job.Status.SUCCEEDED: "done",
    Job.Status.FAILED: "failed",
}


def reports_for(poc: PoC):
    return Report.objects.filter(poc_id=poc.pk).select_related("job", "created_by").defer("content")


def report_of(poc: PoC, pk) -> Report | None:
    report = Report.objects.filter(poc_id=poc.pk, pk=pk).select_related("job").defer("content").first()
    if report is not None:
        report.poc = poc
    return report


def export_basis(poc: PoC) -> str:
    """What a draft of ``poc`` would be rendered from, as one short string; equal strings, same evidence.

    A draft reads audited rows only: the PoC's own (every write appends an event to the PoC's chain,
    whose ids follow commit order) and people and business units (the chain of events of no PoC,
    which notifications and tokens share: the basis moves more often than the draft, never less),
    plus the calendar (stall risk, days elapsed). So the PoC's version, the newest event of each of
    those two chains and today's date name what it shows; two drafts with one basis differ only in
    the generation time printed on their pages.
    """
    poc_event = AuditEvent.objects.filter(poc_id=poc.pk).order_by("-id").values_list("id", flat=True).first()
    # Ordered as the (poc_id, -id) index is, so one index entry is read however many events follow.
    others = AuditEvent.objects.filter(poc_id__isnull=True).order_by("poc_id", "-id")
    other_event = others.values_list("id", flat=True).first()
    return f"v{poc.version}:e{poc_event or 0}:o{other_event or 0}:{timezone.localdate().isoformat()}"


def reusable_export(poc: PoC, *, basis: str = "", signed: SignedReport | None = None) -> Report | None:
    """The newest export of the last ``REUSE_WITHIN`` that a new request may return instead of rendering.

    With ``signed``: an export pointing at that signed report (the same bytes). Otherwise a draft of
    the same ``basis`` that is done or still queued or running; a failed one is never returned.
    """
    exports = Report.objects.filter(poc_id=poc.pk, created_at__gte=timezone.now() - REUSE_WITHIN)
    if signed is not None:
        exports = exports.filter(signed_id=signed.pk)
    else:
        exports = exports.filter(signed__isnull=True, basis=basis).filter(Q(sha256__gt="") | Q(job__status__in=ACTIVE))
    return exports.select_related("job").defer("content").first()


def signed_report_for(poc: PoC) -> SignedReport | None:
    return SignedReport.objects.filter(poc_id=poc.pk).defer("content").first()


def signed_of(report: Report) -> SignedReport | None:
    """The signed report an export stands for: its own pointer, or — for a draft made before the
    decision was signed — the PoC's signed report, so every download of a decided PoC is the frozen one."""
    if report.signed_id is not None:
        return SignedReport.objects.defer("content").get(pk=report.signed_id)
    if report.poc.stage == Stage.DECIDED:
        return signed_report_for(report.poc)
    return None


def status_of(report: Report) -> str:
    if report.signed_id is not None or report.sha256:
        return "done"
    if report.job is None:
        return "queued"
    status = JOB_STATUS.get(report.job.status, "running")
    return "failed" if status == "done" else status  # the job ended without storing a file


def error_of(report: Report) -> str:
    if report.job is not None and report.job.status == Job.Status.FAILED:
        return report.job.error or "The report could not be generated."
    return ""


def report_body(report: Report) -> dict:
    """The API's ``reports/{id}/`` body."""
    status = status_of(report)
    signed = signed_of(report) if status == "done" else None
    body = {
        "id": report.pk,
        "status": status,
        "progress": 100 if status == "done" else (report.job.progress if report.job else 0),
        "signed": signed is not None,
        "created_at": report.created_at.isoformat() if report.created_at else None,
    }
    if status == "failed":
        body["error"] = error_of(report)
    if status == "done":
        body["sha256"] = signed.sha256 if signed is not None else report.sha256
        body["download"] = reverse("api:poc-report-download", args=[report.poc_id, report.pk])
    return body


def report_file(report: Report) -> tuple[bytes, str, bool] | None:
    """The PDF bytes, their SHA-256 and whether it is the signed report (always, for a decided PoC
    whose signed report is stored); None until done."""
    signed = signed_of(report)
    if signed is not None:
        content = SignedReport.objects.filter(pk=signed.pk).values_list("content", flat=True).get()
        return bytes(content), signed.sha256, True
    row = Report.objects.filter(pk=report.pk).values_list("content", "sha256").first()
    if row is None or row[0] is None:
        return None
    return bytes(row[0]), row[1], False


def file_name(poc: PoC, *, signed: bool) -> str:
    return f"poc-{poc.pk}-report{'-signed' if signed else '-draft'}.pdf"


def verify(poc: PoC, chunks: Iterable[bytes]) -> dict:
    """Whether the file read as ``chunks`` is the signed report of ``poc``: its SHA-256 against the one
    stored at signing.

    Nothing is rendered again; the stored hash is what the signature's transaction kept.
    """
    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    digest = hasher.hexdigest()
    signed = SignedReport.objects.filter(poc_id=poc.pk).values_list("sha256", flat=True).first()
    return {
        "match": signed is not None and digest == signed,
        "sha256": digest,
        "signed_sha256": signed,
        "signed": signed is not None,
    }
