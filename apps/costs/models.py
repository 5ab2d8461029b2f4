"""A PoC's production cost model: its baseline and scales, its cost lines, and the last results.

The value side is the PoC's business case (``checklists.BusinessCase``: unit, value per unit or
monthly benefit, the cost ceilings, the currency); it is read and written there, never copied.
Money is stored as decimals; NumPy floats exist only inside the Monte Carlo.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from apps.audit.declarations import Audited
from apps.core.validators import SHORT_TEXT, not_negative
from apps.pocs.models import PoC

ABSURD = Decimal(10) ** 12
DEFAULT_SCALES = [1, 5, 20]
MAX_SCALES = 6
MAX_SCALE = 1_000_000


def at_most_absurd(value):
    if value is not None and value > ABSURD:
        raise ValidationError("Enter at most 1,000,000,000,000 (1e12).", code="absurd")


def more_than_zero(value):
    if value is not None and value <= 0:
        raise ValidationError("Enter a number greater than zero.", code="not_positive")


def default_scales():
    return list(DEFAULT_SCALES)


def check_scales(value):
    """1 to 6 different scales, each a number greater than zero and at most a million."""
    if not isinstance(value, list) or not value:
        raise ValidationError("Give one to six scales, e.g. [1, 5, 20].", code="scales")
    if len(value) > MAX_SCALES:
        raise ValidationError(f"Give at most {MAX_SCALES} scales.", code="scales")
    for scale in value:
        if isinstance(scale, bool) or not isinstance(scale, int | float | str | Decimal):
            raise ValidationError("Each scale is a number, e.g. 5.", code="scales")
        try:
            number = Decimal(str(scale))
        except ArithmeticError:
            raise ValidationError("Each scale is a number, e.g. 5.", code="scales") from None
        if not number.is_finite() or number <= 0 or number > MAX_SCALE:
            raise ValidationError(f"Each scale is greater than zero and at most {MAX_SCALE:,}.", code="scales")
    if len({Decimal(str(s)) for s in value}) != len(value):
        raise ValidationError("Give each scale once.", code="scales")


class CostModel(models.Model):
    """One per PoC: the PoC-scale baseline, the scales, the quality assumption and the last results.

    ``results`` are what the last recompute stored, with the hash of the inputs they were computed
    from (``inputs_hash``); results whose inputs have changed since are shown as stale.
    """

    audit = Audited(poc_field="poc", exclude=("results",), label="cost model")

    poc = models.OneToOneField(PoC, on_delete=models.CASCADE, related_name="cost_model")
    volume_per_month = models.DecimalField(
        "volume per month", max_digits=20, decimal_places=2, null=True, blank=True,
        validators=[more_than_zero, at_most_absurd],
        help_text="Units a month at PoC scale (the business case's unit)",
    )
    users = models.PositiveIntegerField(
        "active users", null=True, blank=True,
        validators=[MinValueValidator(1, "Enter at least one user."), MaxValueValidator(10**9)],
    )
    scales = models.JSONField(default=default_scales, validators=[check_scales])
    quality = models.DecimalField(
        "assumed quality", max_digits=5, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(0, "Enter a fraction between 0 and 1."),
                    MaxValueValidator(1, "Enter a fraction between 0 and 1.")],
        help_text="A fraction 0–1, used while no production-sample evaluation is measured",
    )
    model_version = models.BigIntegerField(
        null=True, blank=True,
        help_text="The evaluated model version whose measured quality is used (default: the best)",
    )
    draws = models.PositiveIntegerField(
        default=10_000, validators=[MinValueValidator(1000), MaxValueValidator(100_000)]
    )
    seed = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(2**31 - 1)])
    results = models.JSONField(null=True, blank=True)
    inputs_hash = models.CharField(max_length=64, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    job_id = models.BigIntegerField(null=True, blank=True, help_text="The latest recompute job")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Cost model of {self.poc}"


class Scenario(models.TextChoices):
    HOSTED = "hosted", "Hosted"
    OWN_HARDWARE = "own_hardware", "Own hardware"


class Category(models.TextChoices):
    INFERENCE = "inference", "Inference"
    COMPUTE = "compute", "Compute"
    GPU = "gpu", "GPU"
    STORAGE = "storage", "Storage"
    DATA_PIPELINE = "data_pipeline", "Data pipeline"
    LICENCES = "licences", "Licences"
    PEOPLE = "people", "People"
    INTEGRATION = "integration", "Integration"
    HARDWARE = "hardware", "Hardware"


class Behaviour(models.TextChoices):
    FIXED = "fixed", "Fixed per month"
    PER_UNIT = "per_unit", "Per unit"
    STEPPED = "stepped", "Stepped capacity"
    ONE_OFF = "one_off", "One-off, amortised"


AMOUNT = {"max_digits": 22, "decimal_places": 6, "validators": [not_negative, at_most_absurd]}


class CostLine(models.Model):
    """One cost of a deployment scenario, with low / likely / high amounts and how it grows with volume."""

    audit = Audited(poc_field="poc", label="cost line")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="cost_lines")
    name = models.CharField(max_length=SHORT_TEXT)
    scenario = models.CharField(max_length=16, choices=Scenario.choices, default=Scenario.HOSTED)
    category = models.CharField(max_length=16, choices=Category.choices)
    behaviour = models.CharField(max_length=16, choices=Behaviour.choices)
    low = models.DecimalField(**AMOUNT)
    likely = models.DecimalField(**AMOUNT)
    high = models.DecimalField(**AMOUNT)
    units_per_request = models.DecimalField(
        "units per request", max_digits=22, decimal_places=6, null=True, blank=True,
        validators=[more_than_zero, at_most_absurd],
        help_text="Per unit: how many of the priced units one request uses (default 1)",
    )
    capacity_per_node = models.DecimalField(
        "capacity per node", max_digits=22, decimal_places=6, null=True, blank=True,
        validators=[more_than_zero, at_most_absurd], help_text="Stepped: requests per second one node serves",
    )
    peak_to_average = models.DecimalField(
        "peak-to-average ratio", max_digits=12, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(1, "The peak is at least the average: enter 1 or more."),
                    MaxValueValidator(10_000, "Enter at most 10,000.")],
        help_text="Stepped: the busiest second's load over the average (default 1)",
    )
    amortisation_months = models.PositiveIntegerField(
        "amortisation (months)", null=True, blank=True,
        validators=[MinValueValidator(1, "Amortise over at least one month."),
                    MaxValueValidator(600, "Amortise over at most 600 months.")],
        help_text="One-off: the months the cost is spread over (the hardware's life)",
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["scenario", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(low__gte=0) & models.Q(low__lte=models.F("likely"))
                & models.Q(likely__lte=models.F("high")),
                name="costs_costline_low_likely_high",
                violation_error_message="The amounts must be 0 ≤ low ≤ likely ≤ high.",
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        errors = {}
        low, likely, high = self.low, self.likely, self.high
        if low is not None and likely is not None and low > likely:
            errors["low"] = ["Low must not be more than likely."]
        if likely is not None and high is not None and likely > high:
            errors["high"] = ["High must not be less than likely."]
        if self.behaviour == Behaviour.STEPPED and self.capacity_per_node is None:
            errors["capacity_per_node"] = ["A stepped cost needs the requests per second one node serves."]
        if self.behaviour == Behaviour.ONE_OFF and self.amortisation_months is None:
            errors["amortisation_months"] = ["A one-off cost needs the months it is amortised over."]
        if errors:
            raise ValidationError(errors)
