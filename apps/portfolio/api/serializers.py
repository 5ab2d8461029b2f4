"""The shape of ``GET /api/v1/portfolio/`` (for the schema; the body is built by ``selectors.row`` / ``aggregates``)."""

from rest_framework import serializers

from apps.pocs.models import Stage
from apps.portfolio.models import RiskLevel
from apps.portfolio.selectors import DecisionStatus


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PortfolioRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    business_unit = NamedSerializer(allow_null=True)
    stage = serializers.ChoiceField(choices=Stage.choices)
    weeks_elapsed = serializers.FloatField(allow_null=True, help_text="Weeks since kickoff, one decimal")
    timebox_weeks = serializers.IntegerField(allow_null=True)
    risk_level = serializers.ChoiceField(
        choices=RiskLevel.choices, allow_null=True, help_text="The worst stall-risk level (null until first summarised)"
    )
    risk_reason = serializers.IntegerField(allow_null=True, help_text="The stall reason (1–5) at that level")
    criteria_met = serializers.IntegerField(allow_null=True, help_text="Graduation criteria met, of 6")
    decision_due_date = serializers.DateField(allow_null=True)
    # Text, not an enum: the schema already has a DecisionStatusEnum (the decision's own status).
    decision_status = serializers.CharField(help_text=f"One of: {', '.join(DecisionStatus.LABELS)}")
    lead = NamedSerializer(allow_null=True)
    decision_maker = NamedSerializer(allow_null=True)
    overdue = serializers.BooleanField(help_text="Decision due date passed and no signed decision")


class GraduationRateSerializer(serializers.Serializer):
    go_over_decided = serializers.FloatField(allow_null=True)
    go_over_started = serializers.FloatField(allow_null=True)
    go = serializers.IntegerField()
    decided = serializers.IntegerField()
    started = serializers.IntegerField()
    since = serializers.DateField()
    until = serializers.DateField()


class StallReasonCountSerializer(serializers.Serializer):
    reason = serializers.IntegerField(min_value=1, max_value=5)
    open_pocs = serializers.IntegerField()


class AggregatesSerializer(serializers.Serializer):
    funnel = serializers.DictField(child=serializers.IntegerField(), help_text="PoCs at each stage")
    graduation_rate = GraduationRateSerializer()
    stall_reasons = StallReasonCountSerializer(many=True)
    median_weeks_to_decision = serializers.FloatField(allow_null=True)
    decisions_overdue = serializers.IntegerField()


class PortfolioPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PortfolioRowSerializer(many=True)
    aggregates = AggregatesSerializer()
