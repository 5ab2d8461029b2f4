from django.contrib import admin

from apps.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the database refuses changes to audit rows anyway."""

    list_display = ["id", "occurred_at", "table_name", "row_pk", "op", "actor", "poc_id"]
    list_filter = ["table_name", "op"]
    search_fields = ["row_pk"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
