"""The production integration of a PoC, kept as data: the systems it connects to and what production needs.

``Integration``: a system the PoC reads from, writes to, signs in through (identity provider), or
both reads from and writes to, with the data it carries, the identity or access boundary it
crosses, who owns the work and an estimate. ``ProductionConcern``: one of the things production
needs beyond the model (identity, access control, audit logging, monitoring, alerting, error
handling, retry logic) — seeded for every PoC — or one added by the team (``custom``).

Both carry the same ownership and estimate fields. The owner may be any active user: other teams
own integrations, and naming someone gives them no access to the PoC.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from apps.audit.declarations import Audited
from apps.core.validators import SHORT_TEXT, BoundedTextField, not_negative
from apps.pocs.models import DataSensitivity, PoC

MAX_DAYS = 100_000
MAX_COST = 10**12


class Direction(models.TextChoices):
    READS_FROM = "reads_from", "Reads from"
    WRITES_TO = "writes_to", "Writes to"
    IDENTITY = "identity", "Identity provider"
    BOTH = "both", "Reads from and writes to"


class Confidence(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class ScopeStatus(models.TextChoices):
    SKETCHED = "sketched", "Sketched"
    ESTIMATED = "estimated", "Estimated"
    AGREED = "agreed", "Agreed with the owning team"


class ConcernKind(models.TextChoices):
    IDENTITY = "identity", "Identity"
    ACCESS_CONTROL = "access_control", "Access control"
    AUDIT_LOGGING = "audit_logging", "Audit logging"
    MONITORING = "monitoring", "Monitoring"
    ALERTING = "alerting", "Alerting"
    ERROR_HANDLING = "error_handling", "Error handling"
    RETRY_LOGIC = "retry_logic", "Retry logic"
    CUSTOM = "custom", "Other"


# The concerns every PoC starts with, in the order the page lists them.
SEEDED_CONCERNS = tuple(kind for kind in ConcernKind.values if kind != ConcernKind.CUSTOM)


class Scoped(models.Model):
    """Who owns the work and what it will take: shared by integrations and production concerns."""

    owning_team = models.CharField(max_length=SHORT_TEXT, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        limit_choices_to={"is_active": True},
        help_text="Any active person, often in the owning team; naming them gives them no access to the PoC",
    )
    estimate_days = models.DecimalField(
        "estimate (days)", max_digits=8, decimal_places=1, null=True, blank=True,
        validators=[not_negative, MaxValueValidator(MAX_DAYS)], help_text="Days of effort",
    )
    estimate_cost = models.DecimalField(
        "estimate (cost)", max_digits=15, decimal_places=2, null=True, blank=True,
        validators=[not_negative, MaxValueValidator(MAX_COST)], help_text="Cost, in the business case's currency",
    )
    confidence = models.CharField(max_length=8, choices=Confidence.choices, blank=True)
    status = models.CharField(max_length=12, choices=ScopeStatus.choices, default=ScopeStatus.SKETCHED)
    notes = BoundedTextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    @property
    def is_owned(self) -> bool:
        return bool(self.owner_id or self.owning_team)

    @property
    def is_estimated(self) -> bool:
        return self.estimate_days is not None and self.estimate_cost is not None

    @property
    def is_agreed(self) -> bool:
        return self.status == ScopeStatus.AGREED


class Integration(Scoped):
    """A system the PoC's production version connects to."""

    audit = Audited(poc_field="poc", label="integration")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="integrations")
    system = models.CharField(max_length=SHORT_TEXT)
    direction = models.CharField(max_length=12, choices=Direction.choices)
    data_classification = models.CharField(
        max_length=20, choices=DataSensitivity.choices, default=DataSensitivity.INTERNAL,
        help_text="The data it carries, classified as the PoC's data sensitivity",
    )
    boundary = models.CharField(
        max_length=SHORT_TEXT, blank=True, help_text="The identity or access boundary it crosses; empty when none"
    )

    class Meta:
        ordering = ["system", "id"]

    def __str__(self):
        return self.system

    @property
    def label(self) -> str:
        return self.system


class ProductionConcern(Scoped):
    """Something production needs beyond the model. Seeded ones cannot be deleted, only marked not applicable."""

    audit = Audited(poc_field="poc", label="production concern")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="production_concerns")
    concern = models.CharField(max_length=16, choices=ConcernKind.choices)
    name = models.CharField(max_length=SHORT_TEXT, blank=True, help_text="What it is (for an added concern)")
    not_applicable = models.BooleanField(default=False)
    reason = BoundedTextField(blank=True, help_text="Why it does not apply (required when not applicable)")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["poc", "concern"], condition=~Q(concern="custom"), name="integrations_concern_once",
                violation_error_message="This PoC already lists that concern.",
            ),
            models.CheckConstraint(
                condition=Q(not_applicable=False) | ~Q(reason=""), name="integrations_concern_na_reason",
                violation_error_message="Say why the concern does not apply.",
            ),
            models.CheckConstraint(
                condition=~Q(concern="custom") | ~Q(name=""), name="integrations_concern_custom_name",
                violation_error_message="Name the concern.",
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def seeded(self) -> bool:
        return self.concern != ConcernKind.CUSTOM

    @property
    def label(self) -> str:
        if self.seeded:
            return ConcernKind(self.concern).label
        return self.name

    def clean(self):
        errors = {}
        if self.not_applicable and not (self.reason or "").strip():
            errors["reason"] = "Say why the concern does not apply."
        if self.concern == ConcernKind.CUSTOM and not (self.name or "").strip():
            errors["name"] = "Name the concern."
        if errors:
            raise ValidationError(errors)
