"""The kickoff: checklist templates, each PoC's copy of them, and what the PoC will and won't answer."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from apps.audit.declarations import Audited
from apps.core.validators import BoundedTextField, WebAddressField, currency_code, not_negative
from apps.pocs.models import PoC


class Reason(models.IntegerChoices):
    """The five reasons a technically successful PoC never reaches production."""

    BUSINESS_CASE = 1, "No business case"
    DATA = 2, "Clean PoC data, messy production data"
    INTEGRATION = 3, "Integration complexity"
    OPS_HANDOVER = 4, "Nobody owns the ops handover"
    DIRECTION = 5, "The business changes direction"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    ACCEPTED_RISK = "accepted_risk", "Accepted risk"


RESOLVED = (Status.DONE, Status.ACCEPTED_RISK)


class ChecklistTemplate(models.Model):
    """A list of kickoff fixes an admin maintains. New PoCs copy the current one.

    Copying means editing a template later never changes a PoC that already has its checklist.
    """

    audit = Audited(label="checklist template")

    name = models.CharField(max_length=200)
    description = BoundedTextField(blank=True)
    is_current = models.BooleanField(
        default=False, help_text="New PoCs copy the current template. Only one template can be current."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-is_current", "name"]
        constraints = [
            models.UniqueConstraint(fields=["is_current"], condition=Q(is_current=True), name="one_current_template")
        ]

    def __str__(self):
        return f"{self.name}{' (current)' if self.is_current else ''}"


class TemplateItem(models.Model):
    """One fix in a template: which stall reason it addresses, what to do, and help for doing it."""

    audit = Audited(label="template item")

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    reason = models.PositiveSmallIntegerField(choices=Reason.choices)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order within the reason")
    text = models.CharField(max_length=300)
    help = BoundedTextField(blank=True)
    key = models.SlugField(
        max_length=50,
        blank=True,
        help_text="Stable key a live stall signal looks for (for example production-sample). Usually blank.",
    )

    class Meta:
        ordering = ["reason", "position", "id"]

    def __str__(self):
        return f"R{self.reason} · {self.text}"


def evidence_upload_to(item: ChecklistItem, filename: str) -> str:
    # A random name: the original one is kept in ``evidence_file_name`` and only ever sent back
    # as the download's filename, so it can never steer where the file lands on disk.
    return f"evidence/poc-{item.poc_id}/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class ChecklistItem(models.Model):
    """A PoC's own copy of a template item, with its progress.

    ``version`` grows with every change made through a service; a write naming an older version
    is refused (409). ``accepted_risk`` always carries a written ``justification``.
    """

    audit = Audited(poc_field="poc", label="checklist item")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="checklist_items")
    template_item = models.ForeignKey(TemplateItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.PositiveSmallIntegerField(choices=Reason.choices)
    position = models.PositiveSmallIntegerField(default=0)
    key = models.SlugField(max_length=50, blank=True)
    text = models.CharField(max_length=300)
    help = BoundedTextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="checklist_items"
    )
    due_date = models.DateField(null=True, blank=True)
    evidence_url = WebAddressField(max_length=500, blank=True)
    evidence_note = BoundedTextField(blank=True)
    evidence_file = models.FileField(upload_to=evidence_upload_to, max_length=300, blank=True)
    evidence_file_name = models.CharField(max_length=255, blank=True)
    evidence_content_type = models.CharField(max_length=100, blank=True)
    notes = BoundedTextField(blank=True)
    justification = BoundedTextField(blank=True, help_text="Why the risk is accepted rather than fixed")
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["reason", "position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="accepted_risk") | ~Q(justification=""),
                name="accepted_risk_has_justification",
            ),
        ]

    def __str__(self):
        return self.text

    def clean(self):
        if self.status == Status.ACCEPTED_RISK and not (self.justification or "").strip():
            raise ValidationError({"justification": "Write why this risk is accepted rather than fixed."})

    @property
    def is_resolved(self) -> bool:
        return self.status in RESOLVED

    @property
    def has_evidence(self) -> bool:
        return bool(self.evidence_url or self.evidence_note or self.evidence_file)


class ValidationKind(models.TextChoices):
    """The four questions a PoC is good at answering, in their fixed order."""

    FEASIBILITY = "feasibility", "Technical feasibility"
    QUALITY = "quality", "Quality envelope"
    LATENCY = "latency", "Latency and throughput floor"
    INTEGRATION = "integration", "Integration shape"


VALIDATION_QUESTIONS = {
    ValidationKind.FEASIBILITY: "Can a current model, fed data like production's, reach the quality we need at "
    "the speed we need?",
    ValidationKind.QUALITY: "On the workload as scoped, what quality does the model reach, how does it fail, "
    "and where do its errors fall?",
    ValidationKind.LATENCY: "Under realistic load, what response time and throughput do we get, and what "
    "holds them back: model, retrieval, network or queue?",
    ValidationKind.INTEGRATION: "Which systems must it read from and write to, which identity and access "
    "boundaries does it cross, and how hard does that look?",
}
VALIDATION_EXAMPLES = {
    ValidationKind.FEASIBILITY: "A fine-tuned small model on our own hardware is good enough",
    ValidationKind.QUALITY: "macro-F1 ≥ 0.85 on the production sample",
    ValidationKind.LATENCY: "p95 ≤ 800 ms at 20 req/s",
    ValidationKind.INTEGRATION: "Reads from ERP and mail, writes to the ticket queue; one SSO boundary",
}


class ValidationQuestion(models.Model):
    """What the PoC sets out to answer: the team's hypothesis and target, later the answer."""

    audit = Audited(poc_field="poc", label="validation question")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="validation_questions")
    kind = models.CharField(max_length=20, choices=ValidationKind.choices)
    hypothesis = BoundedTextField(blank=True)
    target = models.CharField(max_length=300, blank=True)
    answer = BoundedTextField(blank=True)
    evidence_url = WebAddressField(max_length=500, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poc", "kind"], name="one_validation_per_kind")]

    def __str__(self):
        return self.get_kind_display()

    @property
    def number(self) -> int:
        return ValidationKind.values.index(self.kind) + 1

    @property
    def question(self) -> str:
        return VALIDATION_QUESTIONS[self.kind]

    @property
    def example(self) -> str:
        return VALIDATION_EXAMPLES[self.kind]


class LimitKind(models.TextChoices):
    """The five things a PoC cannot tell, in their fixed order."""

    BUSINESS_CASE = "business_case", "Whether the business case holds at production scale"
    PRODUCTION_COST = "production_cost", "What production will really cost"
    ADOPTION = "adoption", "Whether people will actually use it"
    BEHAVIOUR_OVER_TIME = "behaviour_over_time", "How the system behaves as data and use drift"
    OPS_BURDEN = "ops_burden", "Whether the ops burden is sustainable"


ANSWERED_WHERE_SUGGESTIONS = {
    LimitKind.BUSINESS_CASE: "Business case analysis",
    LimitKind.PRODUCTION_COST: "Cost model",
    LimitKind.ADOPTION: "Adoption plan",
    LimitKind.BEHAVIOUR_OVER_TIME: "Monitoring plan",
    LimitKind.OPS_BURDEN: "Ops plan",
}
LIMIT_EXPLANATIONS = {
    LimitKind.BUSINESS_CASE: "A curated sample and a small pilot group say little about the return on the "
    "full user base and real data.",
    LimitKind.PRODUCTION_COST: "Real traffic is burstier, messier and larger than the PoC's; extrapolated "
    "PoC compute bills are a known source of nasty surprises.",
    LimitKind.ADOPTION: "The project team is not the end-user. Change management and workflow fit decide "
    "whether value lands, and the PoC tests neither.",
    LimitKind.BEHAVIOUR_OVER_TIME: "A PoC is one snapshot; models, data and users drift, and month six rarely "
    "looks like week one.",
    LimitKind.OPS_BURDEN: "The PoC had the team's full attention; production gets whatever ops capacity is left over.",
}


class Acknowledgement(models.Model):
    """The team's acknowledgement that the PoC cannot answer one question, and where it will be answered."""

    audit = Audited(poc_field="poc", label="limit")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="acknowledgements")
    kind = models.CharField(max_length=30, choices=LimitKind.choices)
    acknowledged = models.BooleanField(default=False)
    answered_where = models.CharField(max_length=200, blank=True)
    notes = BoundedTextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["poc", "kind"], name="one_acknowledgement_per_kind")]

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        if self.acknowledged and not (self.answered_where or "").strip():
            raise ValidationError({"answered_where": "Say where this will be answered instead, e.g. the cost model."})

    @property
    def number(self) -> int:
        return LimitKind.values.index(self.kind) + 1

    @property
    def suggestion(self) -> str:
        return ANSWERED_WHERE_SUGGESTIONS[self.kind]

    @property
    def explanation(self) -> str:
        return LIMIT_EXPLANATIONS[self.kind]


class BusinessCase(models.Model):
    """Why the PoC is worth deploying, decided before it starts: the value and the economics that must hold.

    The sponsor is the PoC's own ``sponsor`` field; it is shown here, not stored twice.
    """

    audit = Audited(poc_field="poc", label="business case")

    poc = models.OneToOneField(PoC, on_delete=models.CASCADE, related_name="business_case")
    value_hypothesis = BoundedTextField(blank=True)
    unit = models.CharField(max_length=100, blank=True, help_text="What one successful unit is, e.g. an invoice routed")
    value_per_unit = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, validators=[not_negative]
    )
    monthly_benefit = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[not_negative]
    )
    max_cost_per_unit = models.DecimalField(
        max_digits=12, decimal_places=4, null=True, blank=True, validators=[not_negative]
    )
    max_monthly_cost = models.DecimalField(
        max_digits=14, decimal_places=2, null=True, blank=True, validators=[not_negative]
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_code])
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(value_per_unit__isnull=True) | Q(value_per_unit__gte=0), name="value_per_unit_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(max_cost_per_unit__isnull=True) | Q(max_cost_per_unit__gte=0),
                name="max_cost_per_unit_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_monthly_cost__isnull=True) | Q(max_monthly_cost__gte=0),
                name="max_monthly_cost_not_negative",
            ),
        ]

    def __str__(self):
        return f"Business case for {self.poc}"

    @property
    def has_threshold(self) -> bool:
        return self.max_cost_per_unit is not None or self.max_monthly_cost is not None

    @property
    def has_value(self) -> bool:
        return self.value_per_unit is not None or self.monthly_benefit is not None
