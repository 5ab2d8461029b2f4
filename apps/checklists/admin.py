from django import forms
from django.contrib import admin

from apps.checklists.models import (
    Acknowledgement,
    BusinessCase,
    ChecklistItem,
    ChecklistTemplate,
    TemplateItem,
    ValidationQuestion,
)
from apps.pocs.admin import OrgAdminAccess, ReadOnlyPoCData


class OrgAdminsManage(OrgAdminAccess):
    """Checklist templates are the organisation admins' to manage, without per-model grants.

    Templates are not PoC data: editing one changes only what new PoCs copy.
    """


class TemplateItemForm(forms.ModelForm):
    """Inputs sized for a row of the inline table, so the editor fits the page (``css/admin.css``)."""

    class Meta:
        model = TemplateItem
        fields = ["reason", "position", "text", "help", "key"]
        widgets = {
            "position": forms.NumberInput(attrs={"class": "template-position", "min": 0}),
            "text": forms.Textarea(attrs={"rows": 2, "class": "template-text"}),
            "help": forms.Textarea(attrs={"rows": 2, "class": "template-help"}),
            "key": forms.TextInput(attrs={"class": "template-key"}),
        }


class TemplateItemInline(OrgAdminsManage, admin.TabularInline):
    model = TemplateItem
    form = TemplateItemForm
    extra = 1
    fields = ["reason", "position", "text", "help", "key"]
    ordering = ["reason", "position", "id"]

    class Media:
        css = {"all": ["css/admin.css"]}


class ChecklistTemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["name", "description", "is_current"]

    def _get_validation_exclusions(self):
        # "Only one current template" is kept by save_model, which retires the previous one in
        # the same transaction; checking the constraint before that would refuse every switch.
        return super()._get_validation_exclusions() | {"is_current"}


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(OrgAdminsManage, admin.ModelAdmin):
    """Editing a template changes what new PoCs copy; PoCs that have their checklist keep it."""

    form = ChecklistTemplateForm
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


# A PoC's own kickoff rows change through ``apps.checklists.services`` only; the admin shows them.


@admin.register(ChecklistItem)
class ChecklistItemAdmin(ReadOnlyPoCData, admin.ModelAdmin):
    list_display = ["text", "poc", "reason", "status", "owner", "due_date", "version"]
    list_filter = ["reason", "status"]
    search_fields = ["text", "poc__name"]


@admin.register(ValidationQuestion)
class ValidationQuestionAdmin(ReadOnlyPoCData, admin.ModelAdmin):
    list_display = ["poc", "kind", "version"]
    list_filter = ["kind"]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(ReadOnlyPoCData, admin.ModelAdmin):
    list_display = ["poc", "kind", "acknowledged", "version"]
    list_filter = ["kind", "acknowledged"]


@admin.register(BusinessCase)
class BusinessCaseAdmin(ReadOnlyPoCData, admin.ModelAdmin):
    list_display = ["poc", "currency", "version"]
