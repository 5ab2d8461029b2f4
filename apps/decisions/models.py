"""The go/no-go: requests for a decision, and the signed record (decision, signature, snapshot).

A decision, its signature and its snapshot are written once, when the decision-maker signs, and
never change: the models refuse a second save, a queryset update or a delete, and database
triggers (``0002_immutable``) refuse UPDATE and DELETE on their tables whatever the client.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from apps.audit.declarations import Audited
from apps.core.errors import ValidationFailed
from apps.core.validators import SHORT_TEXT, BoundedTextField
from apps.pocs.models import PoC

FINAL = "A signed decision cannot be changed or deleted; a new attempt is a new PoC."


class Outcome(models.TextChoices):
    GO = "go", "Go"
    NO_GO = "no_go", "No-go"


class DecisionRequest(models.Model):
    """The lead asked for a decision: the PoC moved to awaiting decision and the decision-maker was told."""

    audit = Audited(poc_field="poc", label="decision request")

    poc = models.ForeignKey(PoC, on_delete=models.PROTECT, related_name="decision_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decision_maker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    criteria_met = models.PositiveSmallIntegerField()
    requested_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Decision requested on {self.poc_id} for {self.due_date}"


class FinalQuerySet(models.QuerySet):
    """Rows written once: a bulk update or delete is refused before it reaches the database."""

    def update(self, **kwargs):
        raise ValidationFailed(FINAL)

    def delete(self):
        raise ValidationFailed(FINAL)

    delete.queryset_only = True


class FinalRecord(models.Model):
    """A row that may be inserted once and never saved again nor deleted."""

    objects = FinalQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationFailed(FINAL)
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationFailed(FINAL)


class Decision(FinalRecord):
    """The go/no-go on one PoC (one a PoC: a second signature is refused by the constraint too)."""

    audit = Audited(poc_field="poc", label="decision")

    poc = models.OneToOneField(PoC, on_delete=models.PROTECT, related_name="decision")
    request = models.ForeignKey(DecisionRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    rationale = BoundedTextField()
    conditions = BoundedTextField(blank=True)
    criteria_met = models.PositiveSmallIntegerField()
    unmet = models.JSONField(default=list, blank=True, help_text="The criteria not met when it was signed")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.get_outcome_display()} on {self.poc}"


class Signature(FinalRecord):
    """Who signed, when (UTC and their time zone), what it means, and the hashes it vouches for.

    ``record_sha256`` is the SHA-256 of the canonical JSON of the decision, this signature and the
    snapshot's hash (``apps.decisions.record``), so a change to any of them shows.
    """

    audit = Audited(poc_field="poc", label="signature")

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="signatures")
    poc = models.ForeignKey(PoC, on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_name = models.CharField(max_length=SHORT_TEXT)
    signer_title = models.CharField(max_length=SHORT_TEXT, blank=True)
    signed_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64)
    local_time = models.CharField(max_length=64, help_text="The time of signing in the signer's time zone")
    meaning = models.CharField(max_length=500)
    snapshot_sha256 = models.CharField(max_length=64)
    record_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["signed_at", "id"]

    def __str__(self):
        return f"Signed by {self.printed_name} at {self.signed_at:%Y-%m-%d %H:%M} UTC"


class Snapshot(FinalRecord):
    """The evidence frozen at signing: canonical JSON (RFC 8785) bytes and their SHA-256."""

    audit = Audited(poc_field="poc", label="decision snapshot")

    decision = models.OneToOneField(Decision, on_delete=models.PROTECT, related_name="snapshot")
    poc = models.ForeignKey(PoC, on_delete=models.PROTECT, related_name="+")
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)

    def __str__(self):
        return f"Snapshot {self.sha256[:12]}… of {self.poc_id}"


class SignAttempt(models.Model):
    """A refused signing attempt (a wrong password): kept, audited, and told to the decision-maker."""

    audit = Audited(poc_field="poc", label="signing attempt")

    poc = models.ForeignKey(PoC, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=SHORT_TEXT)
    address = models.CharField(max_length=64, blank=True)
    attempted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-attempted_at", "-id"]

    def __str__(self):
        return f"Refused signing attempt by {self.user_id} on {self.poc_id}"
