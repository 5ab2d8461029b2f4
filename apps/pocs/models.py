"""The PoC and the people on it."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, IntegerField, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.accounts.models import BusinessUnit
from apps.audit.declarations import Audited
from apps.core.validators import BoundedTextField

DEFAULT_TIMEBOX_WEEKS = 6
LONG_TIMEBOX_WEEKS = 8


class Stage(models.TextChoices):
    DRAFT = "draft", "Draft"
    KICKOFF = "kickoff", "Kickoff"
    RUNNING = "running", "Running"
    EVALUATING = "evaluating", "Evaluating"
    AWAITING_DECISION = "awaiting_decision", "Awaiting decision"
    DECIDED = "decided", "Decided"


class DataSensitivity(models.TextChoices):
    PUBLIC = "public", "Public"
    INTERNAL = "internal", "Internal"
    CONFIDENTIAL = "confidential", "Confidential"
    ON_PREMISES = "on_premises", "Must stay on-premises"


# The fields people edit on a PoC, in the order the overview shows them, with their labels. The
# overview, its inline forms, the services and the API all read this one list.
EDITABLE_FIELDS = {
    "name": "Name",
    "description": "Description",
    "business_unit": "Business unit",
    "sponsor": "Sponsor",
    "sponsor_name": "Sponsor name",
    "lead": "PoC lead",
    "production_owner": "Production owner",
    "production_owner_budget_line": "Ops budget line",
    "decision_maker": "Decision-maker",
    "kickoff_date": "Kickoff date",
    "timebox_weeks": "Timebox (weeks)",
    "timebox_justification": "Why the timebox is over 8 weeks",
    "decision_due_date": "Decision due",
    "data_sensitivity": "Data sensitivity",
}
# The named people on the PoC (user foreign keys among the editable fields).
PEOPLE_FIELDS = ("lead", "production_owner", "decision_maker", "sponsor")
# Long texts keep their leading and trailing spaces (indentation, lists); other text is stripped.
UNSTRIPPED_FIELDS = ("description", "timebox_justification")


# Sort keys of the PoC lists. Each is an expression the database indexes as written (PoC.Meta.indexes),
# so a sorted page reads as many index entries as it shows rows; the ``id`` after each breaks ties.
# Stages sort in the order a PoC moves through them; a PoC without a decision date sorts after every date.
STAGE_RANK = Case(
    *(When(stage=stage, then=Value(rank)) for rank, stage in enumerate(Stage.values)),
    default=Value(len(Stage.values)),
    output_field=IntegerField(),
)
NO_DECISION_DATE = datetime.date(9999, 12, 31)
DECISION_DATE_KEY = Coalesce(F("decision_due_date"), Value(NO_DECISION_DATE), output_field=models.DateField())


class PoCQuerySet(models.QuerySet):
    """The one access scope for PoCs. Every page, fragment and endpoint starts here.

    The rules are the table of rights in ``apps.pocs.access``; these methods only read it.
    """

    def allowed_to(self, user, action: str) -> PoCQuerySet:
        """The PoCs on which ``user`` holds a role that allows ``action``."""
        from apps.pocs import access  # access reads this module's models

        return self.filter(access.scope(user, action))

    def visible_to(self, user) -> PoCQuerySet:
        return self.allowed_to(user, "view")

    def editable_by(self, user) -> PoCQuerySet:
        return self.allowed_to(user, "edit")


class PoC(models.Model):
    """An AI proof-of-concept, from draft to a signed go/no-go.

    ``stage`` changes only through ``poc_transition``; ``version`` grows by one with every
    edit made through a service, so a stale form or API write is refused instead of silently
    overwriting someone else's change.
    """

    audit = Audited(poc_field="id", label="PoC")

    name = models.CharField(max_length=200)
    description = BoundedTextField(blank=True)
    business_unit = models.ForeignKey(BusinessUnit, null=True, blank=True, on_delete=models.PROTECT)
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsored_pocs",
        help_text="The executive sponsoring the PoC, when they use the portal (sees it as a viewer, gets reminders)",
    )
    sponsor_name = models.CharField(
        max_length=200, blank=True, help_text="The sponsor's name when they are not a portal user"
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="led_pocs"
    )
    production_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_pocs",
        help_text="The person who will run the system in production",
    )
    production_owner_budget_line = models.CharField(
        max_length=200, blank=True, help_text="The budget line that pays for ongoing operations"
    )
    decision_maker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_pocs",
        help_text="The executive who signs the go/no-go",
    )
    previous_attempt = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="next_attempts",
        help_text="The decided PoC this one is a new attempt at",
    )
    stage = models.CharField(max_length=20, choices=Stage.choices, default=Stage.DRAFT)
    stage_changed_at = models.DateTimeField(default=timezone.now)
    kickoff_date = models.DateField(null=True, blank=True)
    timebox_weeks = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=DEFAULT_TIMEBOX_WEEKS,
        validators=[
            MinValueValidator(1, "The timebox is at least 1 week."),
            MaxValueValidator(52, "The timebox is at most 52 weeks."),
        ],
    )
    timebox_justification = BoundedTextField(
        blank=True, help_text=f"Required when the timebox is over {LONG_TIMEBOX_WEEKS} weeks"
    )
    decision_due_date = models.DateField(null=True, blank=True)
    data_sensitivity = models.CharField(
        max_length=20, choices=DataSensitivity.choices, default=DataSensitivity.INTERNAL
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="created_pocs"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PoCQuerySet.as_manager()

    class Meta:
        verbose_name = "PoC"
        verbose_name_plural = "PoCs"
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The sort keys of My PoCs and of the API's list (see STAGE_RANK, DECISION_DATE_KEY).
            models.Index(F("updated_at").desc(), F("id").desc(), name="poc_changed_idx"),
            models.Index(F("name"), F("id"), name="poc_name_idx"),
            models.Index(STAGE_RANK, F("id"), name="poc_stage_idx"),
            models.Index(DECISION_DATE_KEY, F("id"), name="poc_decision_idx"),
            # Search by any part of the name (``name ILIKE '%…%'``, apps.pocs.selectors): trigrams, written
            # straight into the index (no pending list for the planner to price in between vacuums).
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], fastupdate=False, name="poc_name_search_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(timebox_weeks__isnull=True) | Q(timebox_weeks__gte=1) & Q(timebox_weeks__lte=52),
                name="poc_timebox_between_1_and_52_weeks",
                violation_error_message="The timebox must be between 1 and 52 weeks.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("pocs:detail", args=[self.pk])

    @property
    def sponsor_label(self) -> str:
        """Who sponsors the PoC, as people read it: the sponsor's name, or the text kept for one outside the portal."""
        if self.sponsor_id is not None:
            return self.sponsor.get_full_name()
        return self.sponsor_name

    @property
    def elapsed_weeks(self) -> float | None:
        """Weeks since kickoff, or None before the PoC has a kickoff date."""
        if not self.kickoff_date:
            return None
        days = (timezone.localdate() - self.kickoff_date).days
        return round(max(days, 0) / 7, 1)

    @property
    def is_past_timebox(self) -> bool:
        return bool(self.timebox_weeks and self.elapsed_weeks is not None and self.elapsed_weeks > self.timebox_weeks)

    @property
    def is_decision_overdue(self) -> bool:
        return bool(
            self.decision_due_date and self.stage != Stage.DECIDED and self.decision_due_date < timezone.localdate()
        )


class Membership(models.Model):
    """A person added to a PoC as a contributor (edits) or a viewer (reads).

    The lead, production owner and decision-maker are named on the PoC itself, so a person can
    hold one of those roles and a membership without two rows disagreeing.
    """

    audit = Audited(poc_field="poc", label="membership")

    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", "Contributor"
        VIEWER = "viewer", "Viewer"

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["role", "user__full_name"]
        constraints = [models.UniqueConstraint(fields=["poc", "user"], name="membership_one_per_person")]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} on {self.poc}"
