"""The admin shows PoCs and their people but does not change them.

Every change to a PoC goes through ``apps.pocs.services`` (permission, validation, version,
audit); the admin is not a side door around them, for superusers included.
"""

from django.contrib import admin

from apps.pocs.models import Membership, PoC


class OrgAdminAccess:
    """Admin pages organisation admins use without per-model grants.

    ``read_only`` pages (PoC data) let them look while nobody adds, changes or deletes; the
    others (checklist templates) let them manage the rows.
    """

    read_only = False

    def _org_admin(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.is_org_admin

    def has_module_permission(self, request):
        return self._org_admin(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._org_admin(request) or super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return not self.read_only and (self._org_admin(request) or super().has_add_permission(request, *args))

    def has_change_permission(self, request, obj=None):
        return not self.read_only and (self._org_admin(request) or super().has_change_permission(request, obj))

    def has_delete_permission(self, request, obj=None):
        return not self.read_only and (self._org_admin(request) or super().has_delete_permission(request, obj))


class ReadOnlyPoCData(OrgAdminAccess):
    """PoC data in the admin: organisation admins may look; nobody adds, changes or deletes."""

    read_only = True


class MembershipInline(ReadOnlyPoCData, admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "added_by", "created_at"]
    readonly_fields = fields


@admin.register(PoC)
class PoCAdmin(ReadOnlyPoCData, admin.ModelAdmin):
    list_display = ["name", "stage", "business_unit", "lead", "decision_maker", "decision_due_date"]
    list_filter = ["stage", "business_unit", "data_sensitivity"]
    search_fields = ["name", "sponsor_name", "sponsor__full_name"]
    inlines = [MembershipInline]
