"""Background job bookkeeping shared by every app."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.audit.declarations import NotAudited


class Job(models.Model):
    """One background job: what it is, what it works on, and how far it got.

    A job row is created in the same transaction as the request that asks for the work, and the
    task is enqueued only after that transaction commits. The page polls ``status`` until it is
    final (succeeded or failed); ``error`` holds a message a person can act on.

    The subject is generic so that core knows no domain app: ``subject_type`` is the model's
    ``app_label.model_name`` (``Model._meta.label_lower``) and ``subject_id`` its primary key.
    There is no foreign key; read a subject's jobs through ``apps.core.selectors``.
    """

    audit = NotAudited("bookkeeping of background work (status, attempts); the work's own writes are audited")

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Retrying"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINAL = {Status.SUCCEEDED, Status.FAILED}

    kind = models.CharField(max_length=64)
    subject_type = models.CharField(
        max_length=100, blank=True, default="", help_text="app_label.model_name of what the job works on"
    )
    subject_id = models.BigIntegerField(null=True, blank=True, help_text="Primary key of what the job works on")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="0–100")
    message = models.CharField(max_length=255, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id", "kind", "-created_at"], name="core_job_subject_kind_idx")
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @staticmethod
    def subject_of(instance: models.Model | None) -> dict:
        """The ``subject_type`` and ``subject_id`` values that point at ``instance`` (blank for None)."""
        if instance is None:
            return {"subject_type": "", "subject_id": None}
        return {"subject_type": instance._meta.label_lower, "subject_id": instance.pk}

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
