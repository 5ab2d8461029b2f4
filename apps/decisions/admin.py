"""The signed record in the admin: read-only, like every PoC's data (no add, change or delete)."""

from django.contrib import admin

from apps.decisions.models import Decision, DecisionRequest, SignAttempt, Signature, Snapshot
from apps.pocs.admin import ReadOnlyPoCData


class ReadOnly(ReadOnlyPoCData, admin.ModelAdmin):
    """Organisation admins may look; nobody adds, changes or deletes (the database refuses it too)."""

    actions = None


@admin.register(Decision)
class DecisionAdmin(ReadOnly):
    list_display = ["poc", "outcome", "criteria_met", "created_at"]


@admin.register(Signature)
class SignatureAdmin(ReadOnly):
    list_display = ["decision", "printed_name", "signed_at", "time_zone", "snapshot_sha256"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnly):
    list_display = ["decision", "sha256"]
    exclude = ["content"]


@admin.register(DecisionRequest)
class DecisionRequestAdmin(ReadOnly):
    list_display = ["poc", "decision_maker", "due_date", "requested_at"]


@admin.register(SignAttempt)
class SignAttemptAdmin(ReadOnly):
    list_display = ["poc", "user", "reason", "attempted_at"]
