"""Writes of the reports app: export a report (a job), render it, and freeze the signed one.

- ``report_request`` records an export and queues its job; for a decided PoC whose signed report
  is stored, the export is that report at once (no job, no rendering).
- ``report_generate`` is the job's work: a draft is rendered from the evidence as it stands; a
  decided PoC's export points at the signed report (rendered once from the stored snapshot when
  the decision predates the report).
- ``signed_report_store`` is the decision's "on signing" hook: inside the signing transaction it
  renders the report from the frozen snapshot and stores the bytes and their SHA-256.
- ``reports_cleanup`` deletes the exports past keeping (daily: the ``reports.cleanup`` beat task,
  ``manage.py reports_cleanup``).

None of them changes a PoC's data: an export writes only its own row, and the signed report is a
new row beside the signature (the signature row itself is never written).
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from apps.audit.context import audited
from apps.core.jobs import job_enqueue, job_progress
from apps.core.models import Job
from apps.decisions import selectors as decisions
from apps.pocs import access
from apps.pocs.models import PoC, Stage
from apps.reports import context as report_context
from apps.reports import selectors
from apps.reports.models import Report, SignedReport

logger = logging.getLogger(__name__)

JOB_KIND = "reports.render"
FAILED_KEPT = timedelta(days=1)  # a failed export stays this long, for its error message
EXPORT_LOCK_CLASS = 7_345_101  # advisory lock (EXPORT_LOCK_CLASS, poc id): one export request of a PoC at a time


def report_request(*, poc: PoC, user) -> Report:
    """Export the report of a PoC the user may see: a queued job, or the signed report at once.

    A PoC does not pile up exports: when an export of the same evidence was asked in the last hour
    and has not failed (``selectors.reusable_export``), that export is returned, with ``reused``
    set, and nothing is rendered again. Two requests at once wait for each other, so a double click
    makes one export.
    """
    access.check(poc, user, access.VIEW)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [EXPORT_LOCK_CLASS, poc.pk % 2_147_483_647])
        signed = _signed_for(poc) if poc.stage == Stage.DECIDED else None
        basis = "" if signed is not None else selectors.export_basis(poc)
        earlier = selectors.reusable_export(poc, basis=basis, signed=signed)
        if earlier is not None:
            earlier.reused = True
            return earlier
        report = Report.objects.create(poc=poc, created_by=user, signed=signed, basis=basis)
        report.reused = False
        if signed is None:
            from apps.reports.tasks import report_render_task

            report.job = job_enqueue(
                kind=JOB_KIND, task=report_render_task, subject=report, user=user, args=(report.pk,)
            )
            report.save(update_fields=["job"])
    return report


def _signed_for(poc: PoC) -> SignedReport | None:
    return SignedReport.objects.filter(poc_id=poc.pk).defer("content").first()


def report_generate(*, report_id: int, job=None) -> dict:
    """Render the export ``report_id`` (the job's work) and store it; the job's result names the hash."""
    from apps.reports import render

    report = Report.objects.select_related("poc").defer("content").get(pk=report_id)
    poc = report.poc

    def progress(percent: int, message: str) -> None:
        if job is not None:
            job_progress(job, progress=percent, message=message)

    if poc.stage == Stage.DECIDED:
        signed = signed_report_ensure(poc=poc, user=report.created_by, progress=progress)
        Report.objects.filter(pk=report.pk).update(signed=signed)
        return {"report": report.pk, "sha256": signed.sha256, "signed": True}
    content, document = report_context.document_for(poc)
    ctx = report_context.build(poc, document, signed=False, progress=progress)
    progress(75, "Laying out the pages")
    pdf = render.render_pdf(ctx, document=content)
    digest = render.sha256(pdf)
    Report.objects.filter(pk=report.pk).update(
        content=pdf, sha256=digest, size=len(pdf), generated_at=ctx["generated_at"]
    )
    return {"report": report.pk, "sha256": digest, "signed": False, "size": len(pdf)}


def _render_signed(poc: PoC, snapshot: bytes, *, progress=None) -> tuple[bytes, timezone.datetime]:
    from apps.reports import render

    document = json.loads(snapshot)
    ctx = report_context.build(poc, document, signed=True, progress=progress)
    if progress:
        progress(75, "Laying out the pages")
    return render.render_pdf(ctx, document=snapshot), ctx["generated_at"]


def signed_report_store(decision, snapshot_bytes: bytes) -> SignedReport:
    """The "on signing" hook: render the report from the frozen snapshot and keep it with its SHA-256.

    Runs inside the signing transaction (an exception here refuses the signature), so a decision is
    never signed without its report.
    """
    from apps.reports import render

    poc = decision.poc
    pdf, rendered_at = _render_signed(poc, snapshot_bytes)
    return SignedReport.objects.create(
        decision=decision,
        poc=poc,
        content=pdf,
        sha256=render.sha256(pdf),
        size=len(pdf),
        snapshot_sha256=decision.snapshot.sha256,
        rendered_at=rendered_at,
        at_signing=True,
    )


def signed_report_ensure(*, poc: PoC, user=None, progress=None) -> SignedReport:
    """The signed report of a decided PoC; for a decision signed before reports existed it is rendered
    once from the stored snapshot and kept, so every later download returns the same bytes."""
    from apps.reports import render

    existing = _signed_for(poc)
    if existing is not None:
        return existing
    decision = decisions.decision_for(poc)
    if decision is None:
        raise ValueError("This PoC has no signed decision.")
    pdf, rendered_at = _render_signed(poc, bytes(decision.snapshot.content), progress=progress)
    try:
        with audited(user, {"source": "signed_report_ensure"}):
            return SignedReport.objects.create(
                decision=decision,
                poc=poc,
                content=pdf,
                sha256=render.sha256(pdf),
                size=len(pdf),
                snapshot_sha256=decision.snapshot.sha256,
                rendered_at=rendered_at,
                at_signing=False,
            )
    except IntegrityError:  # another request stored it first: theirs is the one kept
        logger.info("signed report of PoC %s was stored by another request", poc.pk)
        return SignedReport.objects.defer("content").get(decision=decision)


def reports_cleanup() -> dict[str, int]:
    """Delete the exports nobody needs any more: drafts older than ``REPORT_EXPORT_KEEP_DAYS`` days
    and failed ones older than a day. Returns how many were deleted, and how many old drafts of a decided PoC lost
    their own bytes.

    The signed report is never touched (its rows refuse it anyway), and no download of a decided PoC
    stops working: every export of a decided PoC serves the signed report, so none is deleted. Those
    pointing at it hold no bytes; an old draft made before the signing keeps its row and hash and
    loses only its own PDF, which no download returns any more. Exports are not audited, so neither
    is their deletion; their jobs go with the old finished jobs (``core.jobs.jobs_cleanup``).
    """
    now = timezone.now()
    cutoff = now - timedelta(days=settings.REPORT_EXPORT_KEEP_DAYS)
    drafts = Report.objects.filter(signed__isnull=True)
    # Succeeded without a file counts as failed, as on the page; kept a day, so its message can still be read.
    failed = Q(sha256="", job__status__in=Job.FINAL, created_at__lt=now - FAILED_KEPT)
    with transaction.atomic():
        _, by_model = drafts.exclude(poc__stage=Stage.DECIDED).filter(Q(created_at__lt=cutoff) | failed).delete()
        emptied = drafts.filter(poc__stage=Stage.DECIDED, created_at__lt=cutoff, content__isnull=False).update(
            content=None
        )
    deleted = by_model.get(Report._meta.label, 0)
    logger.info("reports cleanup: %s exports deleted, %s drafts of decided PoCs emptied", deleted, emptied)
    return {"deleted": deleted, "emptied": emptied}
