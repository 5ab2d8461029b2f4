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
    # What to send, so that a job the broker refused (or whose worker died) can be sent again.
    task_name = models.CharField(max_length=200, blank=True, help_text="Celery task that runs the job")
    task_args = models.JSONField(default=list, blank=True, help_text="Arguments after the job id")
    sent_at = models.DateTimeField(null=True, blank=True, help_text="When the broker accepted the task")
    send_attempts = models.PositiveSmallIntegerField(default=0)
    send_attempted_at = models.DateTimeField(null=True, blank=True, help_text="Last attempt to send, accepted or not")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the running task")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["subject_type", "subject_id", "kind", "-created_at"], name="core_job_subject_kind_idx"
            ),
            # The sweeper reads only the jobs that are not final.
            models.Index(
                fields=["status"],
                name="core_job_active_idx",
                condition=models.Q(status__in=["queued", "running", "retrying"]),
            ),
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
    def waiting_for_queue(self) -> bool:
        """Queued, and the broker refused it so far: the sweeper sends it when the broker is back."""
        return self.status == self.Status.QUEUED and self.sent_at is None and self.send_attempts > 0

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
