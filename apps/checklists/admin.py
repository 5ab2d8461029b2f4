from django.contrib import admin

from apps.checklists.models import ChecklistTemplate, TemplateItem


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 1
    fields = ["reason", "position", "text", "help", "key"]
    ordering = ["reason", "position", "id"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """Editing a template changes what new PoCs copy; PoCs that have their checklist keep it."""

    list_display = ["name", "is_current", "item_count", "updated_at"]
    fields = ["name", "description", "is_current"]
    inlines = [TemplateItemInline]

    @admin.display(description="Items")
    def item_count(self, obj):
        return obj.items.count()

    def save_model(self, request, obj, form, change):
        if obj.is_current:
            # Only one template is current: making this one current retires the previous one.
            ChecklistTemplate.objects.exclude(pk=obj.pk).filter(is_current=True).update(is_current=False)
        super().save_model(request, obj, form, change)
