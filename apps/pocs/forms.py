from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

from apps.accounts.models import User
from apps.pocs.models import EDITABLE_FIELDS, PEOPLE_FIELDS, Membership, PoC

FIELD_LABELS = EDITABLE_FIELDS


def match_model_limits(form: forms.BaseForm) -> None:
    """Give number inputs the model's own bounds (``MinValueValidator(1)`` → ``min="1"``), so the browser
    asks for what the server accepts instead of a positive field's default of 0."""
    for name, formfield in form.fields.items():
        if not isinstance(formfield, forms.IntegerField) or name not in {f.name for f in PoC._meta.fields}:
            continue
        for validator in PoC._meta.get_field(name).validators:
            if isinstance(validator, MinValueValidator):
                formfield.widget.attrs["min"] = validator.limit_value
            elif isinstance(validator, MaxValueValidator):
                formfield.widget.attrs["max"] = validator.limit_value


class PoCCreateForm(forms.ModelForm):
    class Meta:
        model = PoC
        fields = ["name", "description", "business_unit", "timebox_weeks", "data_sensitivity"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        match_model_limits(self)


def field_form_class(field: str) -> type[forms.ModelForm]:
    """A one-field form (plus the version the editor read) for inline editing."""
    if field not in EDITABLE_FIELDS:
        raise KeyError(field)
    widgets = {}
    model_field = PoC._meta.get_field(field)
    if model_field.get_internal_type() == "DateField":
        widgets[field] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    elif model_field.get_internal_type() == "TextField":
        widgets[field] = forms.Textarea(attrs={"rows": 3})

    class FieldForm(forms.ModelForm):
        version = forms.IntegerField(widget=forms.HiddenInput)

        class Meta:
            model = PoC
            fields = [field]
            labels = {field: FIELD_LABELS[field]}

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            formfield = self.fields[field]
            formfield.widget.attrs.setdefault("id", f"input-{field}")
            match_model_limits(self)
            if field in PEOPLE_FIELDS:
                formfield.queryset = User.objects.filter(is_active=True).order_by("full_name")
                formfield.label_from_instance = lambda u: f"{u.full_name} <{u.email}>"

    FieldForm.__name__ = f"PoC{field.title().replace('_', '')}Form"
    for name, widget in widgets.items():
        FieldForm.base_fields[name].widget = widget
    return FieldForm


class MemberAddForm(forms.Form):
    email = forms.EmailField(label="Email of the person to add")
    role = forms.ChoiceField(choices=Membership.Role.choices)

    def clean_email(self):
        email = self.cleaned_data["email"].lower()
        try:
            self.cleaned_data["user"] = User.objects.get(email__iexact=email, is_active=True)
        except User.DoesNotExist:
            raise forms.ValidationError(f"No active account uses {email}.") from None
        return email
