"""Background job bookkeeping shared by every app."""

from django.conf import settings
from django.db import models


class Job(models.Model):
    """One background job: what it is, for which PoC, and how far it got.

    A job row is created in the same transaction as the request that asks for the work, and the
    task is enqueued only after that transaction commits. The page polls ``status`` until it is
    final (succeeded or failed); ``error`` holds a message a person can act on.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    FINAL = {Status.SUCCEEDED, Status.FAILED}

    kind = models.CharField(max_length=64)
    poc = models.ForeignKey("pocs.PoC", null=True, blank=True, on_delete=models.CASCADE, related_name="jobs")
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
        indexes = [models.Index(fields=["poc", "kind", "-created_at"])]

    def __str__(self):
        return f"{self.kind} #{self.pk} ({self.status})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None
