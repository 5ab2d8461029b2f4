"""Serializers of the integrations API, made from the models' own fields (limits declared once)."""

from rest_framework import serializers

from apps.core.api import patch_serializer
from apps.integrations.models import Integration, ProductionConcern
from apps.integrations.services import CONCERN_EDIT_FIELDS, CONCERN_FIELDS, INTEGRATION_FIELDS
from apps.pocs.api.serializers import MissingSerializer

OWNER_HELP = "A user id: any active person (naming them gives them no access to the PoC), or null"


class _Scoped(serializers.ModelSerializer):
    owner_name = serializers.SerializerMethodField()
    owned = serializers.BooleanField(source="is_owned", read_only=True)
    estimated = serializers.BooleanField(source="is_estimated", read_only=True)

    def get_owner_name(self, row) -> str | None:
        return str(row.owner) if row.owner_id else None


class IntegrationSerializer(_Scoped):
    class Meta:
        model = Integration
        fields = ["id", *INTEGRATION_FIELDS, "owner_name", "owned", "estimated", "version", "created_at",
                  "updated_at"]
        read_only_fields = fields


class IntegrationCreateSerializer(serializers.ModelSerializer):
    """``system`` and ``direction`` are required; the rest may follow later."""

    class Meta:
        model = Integration
        fields = list(INTEGRATION_FIELDS)
        extra_kwargs = {
            **{f: {"required": False} for f in INTEGRATION_FIELDS if f not in ("system", "direction")},
            "owner": {"required": False, "allow_null": True, "help_text": OWNER_HELP},
            "data_classification": {"required": False, "help_text": "Defaults to the PoC's data sensitivity"},
        }


IntegrationPatchSerializer = patch_serializer(
    Integration, INTEGRATION_FIELDS, name="IntegrationPatchSerializer", help_texts={"owner": OWNER_HELP}
)


class ConcernSerializer(_Scoped):
    label = serializers.CharField(read_only=True, help_text="The concern's name: its kind's, or its own for custom")
    seeded = serializers.BooleanField(
        read_only=True, help_text="Listed for every PoC: cannot be deleted, only marked not applicable"
    )

    class Meta:
        model = ProductionConcern
        fields = ["id", *CONCERN_FIELDS, "label", "seeded", "owner_name", "owned", "estimated", "version",
                  "created_at", "updated_at"]
        read_only_fields = fields


class ConcernCreateSerializer(serializers.ModelSerializer):
    """``concern`` is required (``custom`` needs a ``name``); each seeded kind is listed once per PoC."""

    class Meta:
        model = ProductionConcern
        fields = list(CONCERN_FIELDS)
        extra_kwargs = {
            **{f: {"required": False} for f in CONCERN_FIELDS if f != "concern"},
            "owner": {"required": False, "allow_null": True, "help_text": OWNER_HELP},
        }
        validators = []  # the unique "once per PoC" rule is the service's (it names the field)


ConcernPatchSerializer = patch_serializer(
    ProductionConcern, CONCERN_EDIT_FIELDS, name="ProductionConcernPatchSerializer",
    help_texts={"owner": OWNER_HELP, "reason": "Required (not blank) when not_applicable is true"},
)


class SummarySerializer(serializers.Serializer):
    integrations = serializers.IntegerField()
    concerns = serializers.IntegerField()
    estimate_days = serializers.DecimalField(max_digits=12, decimal_places=1, help_text="Days of effort, summed")
    estimate_cost = serializers.DecimalField(max_digits=18, decimal_places=2, help_text="Cost, summed")
    unowned = serializers.IntegerField()
    unestimated = serializers.IntegerField()
    not_agreed = serializers.IntegerField()
    scoped = serializers.BooleanField(
        help_text="Every integration and applicable concern owned, estimated and agreed (and at least one integration)"
    )
    missing = MissingSerializer(many=True)
