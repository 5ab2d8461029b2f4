from django.urls import reverse
from rest_framework import serializers

from apps.checklists.models import Acknowledgement, BusinessCase, ChecklistItem, ValidationQuestion
from apps.checklists.services import ACKNOWLEDGEMENT_FIELDS, BUSINESS_CASE_FIELDS, ITEM_FIELDS, VALIDATION_FIELDS
from apps.core.api import patch_serializer


class EvidenceSerializer(serializers.Serializer):
    url = serializers.CharField(source="evidence_url", help_text="A link to the evidence, or empty")
    note = serializers.CharField(source="evidence_note")
    file = serializers.SerializerMethodField(help_text="Download URL of the evidence file, or null")
    file_name = serializers.CharField(source="evidence_file_name")

    def get_file(self, item) -> str | None:
        return evidence_download_url(item)


def evidence_download_url(item: ChecklistItem) -> str | None:
    if not item.evidence_file:
        return None
    return reverse("api:poc-checklist-evidence", kwargs={"poc_pk": item.poc_id, "item_id": item.pk})


class ChecklistItemSerializer(serializers.ModelSerializer):
    evidence = EvidenceSerializer(source="*", read_only=True)
    evidence_file = serializers.SerializerMethodField(help_text="Download URL of the evidence file, or null")
    owner_name = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "reason",
            "position",
            "text",
            "help",
            "status",
            "owner",
            "owner_name",
            "due_date",
            "evidence",
            "evidence_url",
            "evidence_note",
            "evidence_file",
            "evidence_file_name",
            "notes",
            "justification",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    def get_evidence_file(self, item) -> str | None:
        return evidence_download_url(item)

    def get_owner_name(self, item) -> str | None:
        return str(item.owner) if item.owner_id else None


ChecklistItemPatchSerializer = patch_serializer(
    ChecklistItem,
    ITEM_FIELDS,
    name="ChecklistItemPatchSerializer",
    help_texts={
        "owner": "A user id of someone on the PoC, or null",
        "justification": "Required (not blank) when the status is accepted_risk",
    },
)


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    version = serializers.IntegerField(min_value=1, required=False, help_text="Optional; a stale one answers 409")


class ValidationSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(read_only=True)
    question = serializers.CharField(read_only=True)

    class Meta:
        model = ValidationQuestion
        fields = [
            "id",
            "kind",
            "number",
            "question",
            "hypothesis",
            "target",
            "answer",
            "evidence_url",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


ValidationPatchSerializer = patch_serializer(ValidationQuestion, VALIDATION_FIELDS, name="ValidationPatchSerializer")


class AcknowledgementSerializer(serializers.ModelSerializer):
    number = serializers.IntegerField(read_only=True)
    limit = serializers.CharField(source="get_kind_display", read_only=True)
    suggestion = serializers.CharField(read_only=True, help_text="Where this is usually answered instead")

    class Meta:
        model = Acknowledgement
        fields = [
            "id",
            "kind",
            "number",
            "limit",
            "acknowledged",
            "answered_where",
            "suggestion",
            "notes",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


AcknowledgementPatchSerializer = patch_serializer(
    Acknowledgement,
    ACKNOWLEDGEMENT_FIELDS,
    name="AcknowledgementPatchSerializer",
    help_texts={
        "answered_where": "Free text; usually one of: Business case analysis, Cost model, Adoption plan, "
        "Monitoring plan, Ops plan",
    },
)


class BusinessCaseSerializer(serializers.ModelSerializer):
    sponsor = serializers.CharField(
        source="poc.sponsor_label", read_only=True, help_text="The PoC's sponsor's name (edit the PoC)"
    )
    has_threshold = serializers.BooleanField(read_only=True)

    class Meta:
        model = BusinessCase
        fields = [
            "id",
            "value_hypothesis",
            "unit",
            "value_per_unit",
            "monthly_benefit",
            "max_cost_per_unit",
            "max_monthly_cost",
            "currency",
            "sponsor",
            "has_threshold",
            "version",
            "updated_at",
        ]
        read_only_fields = fields


BusinessCasePatchSerializer = patch_serializer(BusinessCase, BUSINESS_CASE_FIELDS, name="BusinessCasePatchSerializer")


class AcceptedRiskSerializer(serializers.Serializer):
    item = serializers.IntegerField(source="item_id")
    text = serializers.CharField()
    justification = serializers.CharField()


class StallRiskSerializer(serializers.Serializer):
    reason = serializers.IntegerField(help_text="1–5")
    label = serializers.CharField()
    level = serializers.ChoiceField(choices=["low", "medium", "high"])
    why = serializers.CharField()
    fix = serializers.CharField()
    done = serializers.IntegerField()
    accepted = serializers.IntegerField()
    total = serializers.IntegerField()
    accepted_risks = AcceptedRiskSerializer(many=True)
