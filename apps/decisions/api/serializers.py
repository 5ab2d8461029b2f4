"""Bodies of the decisions endpoints (see the README's "Decisions")."""

from rest_framework import serializers

from apps.decisions.models import Decision


class CriterionSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=6)
    name = serializers.CharField()
    met = serializers.BooleanField()
    missing = serializers.CharField(help_text="What is missing; empty when met")
    evidence_url = serializers.CharField()


class DecisionPersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class DecisionSerializer(serializers.Serializer):
    """Before signing: status, due_date, decision_maker, criteria_met and the hash of what would be frozen
    now. After: the signed decision."""

    status = serializers.ChoiceField(choices=["not_requested", "awaiting", "signed"])
    due_date = serializers.DateField(required=False, allow_null=True)
    decision_maker = DecisionPersonSerializer(required=False, allow_null=True)
    criteria_met = serializers.IntegerField(required=False)
    outcome = serializers.ChoiceField(choices=["go", "no_go"], required=False)
    rationale = serializers.CharField(required=False)
    conditions = serializers.CharField(required=False, allow_blank=True)
    signed_by = DecisionPersonSerializer(required=False)
    signed_at = serializers.DateTimeField(required=False)
    time_zone = serializers.CharField(required=False)
    meaning = serializers.CharField(required=False)
    snapshot_sha256 = serializers.CharField()


class SignSerializer(serializers.Serializer):
    """The signer's choice, re-entered password and the hash of the evidence they read."""

    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    outcome = serializers.CharField(help_text="go or no_go (anything else answers 400)")
    rationale = serializers.CharField(
        allow_blank=True, required=False, trim_whitespace=False,
        max_length=Decision._meta.get_field("rationale").max_length, help_text="Required",
    )
    conditions = serializers.CharField(
        allow_blank=True, required=False, trim_whitespace=False,
        max_length=Decision._meta.get_field("conditions").max_length, help_text="For a Go only",
    )
    snapshot_sha256 = serializers.CharField(max_length=64, help_text="The snapshot_sha256 of decision/ you read")


class VerifySerializer(serializers.Serializer):
    intact = serializers.BooleanField()
    differences = serializers.ListField(child=serializers.CharField())
