"""Serializers of the costs API: write bodies made from the models' own fields (limits declared once)."""

from rest_framework import serializers

from apps.core.api import patch_serializer
from apps.costs.models import CostLine, CostModel
from apps.costs.services import LINE_FIELDS


def _case_decimal(name: str) -> serializers.DecimalField:
    """An amount of the business case: parsed here, its limits checked by the business case's own model."""
    return serializers.DecimalField(max_digits=None, decimal_places=None, required=False, allow_null=True,
                                    help_text=f"The business case's {name.replace('_', ' ')}")


class QualitySourceSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="measured (from the production-sample evaluation) or assumed")
    run = serializers.IntegerField(required=False)
    metric = serializers.CharField(required=False)
    model_version = serializers.IntegerField(required=False)


class CostModelPatchSerializer(serializers.ModelSerializer):
    """Send only the fields to change; no version (the row is locked, the last write wins)."""

    scales = serializers.JSONField(required=False, help_text="Multiples of the PoC scale, default [1, 5, 20]")
    unit_name = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                      help_text="The business case's unit, e.g. invoice routed")
    value_per_unit = _case_decimal("value_per_unit")
    monthly_benefit = _case_decimal("monthly_benefit")
    max_cost_per_unit = _case_decimal("max_cost_per_unit")
    max_monthly_cost = _case_decimal("max_monthly_cost")
    currency = serializers.CharField(required=False, max_length=3, help_text="The business case's currency")

    class Meta:
        model = CostModel
        fields = ["volume_per_month", "users", "scales", "quality", "model_version", "draws", "seed", "unit_name",
                  "value_per_unit", "monthly_benefit", "max_cost_per_unit", "max_monthly_cost", "currency"]
        extra_kwargs = {f: {"required": False} for f in fields}


class CostRowSerializer(serializers.Serializer):
    scale = serializers.JSONField()
    volume = serializers.CharField()
    monthly_cost = serializers.CharField()
    cost_per_unit = serializers.CharField(allow_null=True)
    by_category = serializers.DictField(child=serializers.CharField())
    dominant_category = serializers.CharField(allow_null=True)
    value = serializers.CharField(allow_null=True)
    net_value = serializers.CharField(allow_null=True)
    roi = serializers.CharField(allow_null=True)
    threshold_met = serializers.BooleanField(allow_null=True)
    p10 = serializers.CharField(allow_null=True)
    p50 = serializers.CharField(allow_null=True)
    p90 = serializers.CharField(allow_null=True)
    p_net_positive = serializers.CharField(allow_null=True)
    tornado = serializers.ListField(child=serializers.DictField())


class CostModelSerializer(serializers.Serializer):
    """The cost model, its value side (from the business case) and its last results. Money as decimal strings."""

    unit_name = serializers.CharField()
    volume_per_month = serializers.CharField(allow_null=True)
    users = serializers.IntegerField(allow_null=True)
    scales = serializers.ListField(child=serializers.JSONField())
    value_per_unit = serializers.CharField(allow_null=True)
    monthly_benefit = serializers.CharField(allow_null=True)
    max_cost_per_unit = serializers.CharField(allow_null=True)
    max_monthly_cost = serializers.CharField(allow_null=True)
    currency = serializers.CharField()
    quality = serializers.CharField(allow_null=True)
    quality_used = serializers.CharField(allow_null=True)
    quality_source = QualitySourceSerializer()
    model_version = serializers.IntegerField(allow_null=True)
    draws = serializers.IntegerField()
    seed = serializers.IntegerField()
    results = CostRowSerializer(many=True)
    scenarios = serializers.DictField(child=CostRowSerializer(many=True))
    break_even_volume = serializers.CharField(allow_null=True)
    crossover_volume = serializers.CharField(allow_null=True)
    computed_at = serializers.DateTimeField(allow_null=True)
    stale = serializers.BooleanField()
    recomputing = serializers.BooleanField()
    computed_from = serializers.DictField(allow_null=True)


class CostLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostLine
        fields = ["id", *LINE_FIELDS, "version"]
        read_only_fields = fields


class CostLineCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = CostLine
        fields = list(LINE_FIELDS)
        validators = []  # the service checks the amounts' order, naming the field


CostLinePatchSerializer = patch_serializer(
    CostLine, LINE_FIELDS, name="CostLinePatchSerializer", version_required=False
)
