from django.contrib import admin

from apps.pocs.models import Membership, PoC


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "added_by"]


@admin.register(PoC)
class PoCAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "business_unit", "lead", "decision_maker", "decision_due_date"]
    list_filter = ["stage", "business_unit", "data_sensitivity"]
    search_fields = ["name", "sponsor"]
    raw_id_fields = ["lead", "production_owner", "decision_maker", "created_by"]
    readonly_fields = ["stage", "stage_changed_at", "version", "created_at", "updated_at"]
    inlines = [MembershipInline]
