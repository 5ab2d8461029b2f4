from rest_framework import serializers
from rest_framework.reverse import reverse

from apps.accounts.models import BusinessUnit, User
from apps.audit.selectors import PREVIEW_CHARS
from apps.core import display
from apps.pocs.models import EDITABLE_FIELDS, Membership, PoC, Stage

active_users = User.objects.filter(is_active=True)


class PoCSerializer(serializers.ModelSerializer):
    lead = serializers.PrimaryKeyRelatedField(queryset=active_users, allow_null=True, required=False)
    production_owner = serializers.PrimaryKeyRelatedField(queryset=active_users, allow_null=True, required=False)
    decision_maker = serializers.PrimaryKeyRelatedField(queryset=active_users, allow_null=True, required=False)
    sponsor = serializers.PrimaryKeyRelatedField(
        queryset=active_users,
        allow_null=True,
        required=False,
        help_text="The sponsor as a portal user (sees the PoC as a viewer, gets escalated reminders)",
    )
    business_unit = serializers.PrimaryKeyRelatedField(
        queryset=BusinessUnit.objects.all(), allow_null=True, required=False
    )
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Required on update: the version you last read. A stale version answers 409.",
    )
    elapsed_weeks = serializers.FloatField(read_only=True, allow_null=True)
    past_timebox = serializers.BooleanField(read_only=True, source="is_past_timebox")
    decision_overdue = serializers.BooleanField(read_only=True, source="is_decision_overdue")

    class Meta:
        model = PoC
        fields = [
            "id",
            *EDITABLE_FIELDS,
            "stage",
            "stage_changed_at",
            "version",
            "elapsed_weeks",
            "past_timebox",
            "decision_overdue",
            "previous_attempt",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["stage", "stage_changed_at", "previous_attempt", "created_by", "created_at", "updated_at"]
        extra_kwargs = {"previous_attempt": {"help_text": "The decided PoC this one tries again (see new-attempt)."}}


class NewAttemptSerializer(serializers.Serializer):
    name = serializers.CharField(
        required=False, allow_blank=True, max_length=200,
        help_text="Name of the new PoC; by default the decided PoC's name marked as a new attempt.",
    )


class TransitionSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=Stage.choices)


class MissingSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    url = serializers.CharField()


class TransitionRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    missing = MissingSerializer(many=True)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True, source="membership_id", help_text="Membership id, if any")
    user = serializers.IntegerField(source="user_id")
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.SerializerMethodField()
    roles = serializers.ListField(child=serializers.CharField())

    def get_role(self, person) -> str:
        return person.roles[0]


class MembershipWriteSerializer(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(queryset=active_users, required=False)
    email = serializers.EmailField(required=False)
    role = serializers.ChoiceField(choices=Membership.Role.choices)

    def validate(self, attrs):
        if "user" not in attrs:
            email = attrs.get("email")
            if not email:
                raise serializers.ValidationError({"user": "Give the user's id or email."})
            user = active_users.filter(email__iexact=email).first()
            if user is None:
                raise serializers.ValidationError({"email": f"No active account uses {email}."})
            attrs["user"] = user
        return attrs


class MembershipRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices)


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = Membership
        fields = ["id", "user", "role", "created_at"]


class ChangeSerializer(serializers.Serializer):
    """One changed field. In the list each value is cut to ``PREVIEW_CHARS`` characters; the
    event's ``url`` answers with the whole values."""

    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)
    old_truncated = serializers.BooleanField(
        required=False, help_text=f"Present (true) when `old` was cut to {PREVIEW_CHARS} characters"
    )
    new_truncated = serializers.BooleanField(
        required=False, help_text=f"Present (true) when `new` was cut to {PREVIEW_CHARS} characters"
    )
    label = serializers.CharField(help_text="The field's name as the page shows it")
    old_text = serializers.SerializerMethodField(help_text="`old` as the page writes it (labels, names, yes/no, —)")
    new_text = serializers.SerializerMethodField(help_text="`new` as the page writes it (labels, names, yes/no, —)")

    def get_old_text(self, change) -> str:
        return display.shown(change.old_shown, change.type)

    def get_new_text(self, change) -> str:
        return display.shown(change.new_shown, change.type)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for flag in ("old_truncated", "new_truncated"):
            if not data.get(flag):
                data.pop(flag, None)
        return data


class ActivitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    when = serializers.DateTimeField()
    actor = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    action = serializers.CharField(source="verb")
    op = serializers.CharField()
    table = serializers.CharField()
    object = serializers.CharField(source="object_label")
    changes = ChangeSerializer(many=True)
    url = serializers.SerializerMethodField(help_text="This change with its whole old and new values")

    def get_url(self, activity) -> str:
        return reverse(
            "api:poc-activity-event", args=[activity.poc_id, activity.id], request=self.context.get("request")
        )


class ActivityPageSerializer(serializers.Serializer):
    """A page of activity: cursor links to the older (``next``) and newer (``previous``) pages; no count."""

    next = serializers.URLField(allow_null=True, help_text="The older changes, or null on the oldest page")
    previous = serializers.URLField(allow_null=True, help_text="The newer changes, or null on the newest page")
    results = ActivitySerializer(many=True)
