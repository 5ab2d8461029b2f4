"""The PDF report: export requests with their generated file, and the report frozen at signing.

``SignedReport`` is written once per decision (at signing, or on first request for a decision
signed before reports existed) and never changes: the model refuses a second save, a queryset
update and a delete, and a database trigger refuses UPDATE and DELETE whatever the client. The
decision's own rows are never touched; the report's hash lives here, keyed to the decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.audit.declarations import Audited, NotAudited
from apps.core.errors import ValidationFailed
from apps.pocs.models import PoC

FINAL = "The signed report is kept as it was frozen; it cannot be changed or deleted."


class FinalQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationFailed(FINAL)

    def delete(self):
        raise ValidationFailed(FINAL)

    delete.queryset_only = True


class SignedReport(models.Model):
    """The report of a signed decision: the PDF bytes as stored and their SHA-256."""

    audit = Audited(poc_field="poc", exclude=("content",), label="signed report")

    decision = models.OneToOneField("decisions.Decision", on_delete=models.PROTECT, related_name="report")
    poc = models.ForeignKey(PoC, on_delete=models.PROTECT, related_name="+")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    snapshot_sha256 = models.CharField(max_length=64, help_text="The snapshot the report was rendered from")
    rendered_at = models.DateTimeField()
    at_signing = models.BooleanField(
        help_text="Rendered inside the signing transaction (false: rendered later from the stored snapshot)"
    )

    objects = FinalQuerySet.as_manager()

    def __str__(self):
        return f"Signed report {self.sha256[:12]}… of {self.poc_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationFailed(FINAL)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationFailed(FINAL)


class Report(models.Model):
    """One export of a PoC's report: the job that renders it and, when done, the PDF.

    For a decided PoC the export points at the signed report and holds no bytes of its own, so
    every download of a decided PoC is the frozen document. A draft records the ``basis`` it was
    asked from (``selectors.export_basis``), so a second request for the same evidence within the
    hour gets this export instead of another rendering. Drafts are kept ``REPORT_EXPORT_KEEP_DAYS``
    (``services.reports_cleanup``); the signed report is kept for ever.
    """

    audit = NotAudited("an export of data that is itself audited; the file can be made again, the signed one is kept")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="reports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    job = models.ForeignKey("core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    signed = models.ForeignKey(SignedReport, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    content = models.BinaryField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    size = models.PositiveIntegerField(null=True, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    basis = models.CharField(
        max_length=100,
        blank=True,
        help_text="What a draft was asked from: the PoC's version, its last audit event, the last event of no PoC, "
        "the day",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["poc", "-created_at"], name="reports_report_poc_idx")]

    def __str__(self):
        return f"Report #{self.pk} of {self.poc_id}"

    @property
    def ready(self) -> bool:
        return self.signed_id is not None or self.content is not None
