from django.contrib import admin

from apps.core.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "subject_type",
        "subject_id",
        "status",
        "progress",
        "attempts",
        "created_at",
        "finished_at",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in Job._meta.fields]
