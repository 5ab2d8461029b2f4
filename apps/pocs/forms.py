from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.template.loader import render_to_string
from django.urls import reverse

from apps.accounts.models import User
from apps.pocs import selectors
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


def person_label(user) -> str:
    return f"{user.full_name} <{user.email}>" if user.full_name else user.email


class PersonPicker(forms.Widget):
    """A text input that finds people as you type (``templates/_person_picker.html``).

    It sends two values: the text typed (``<name>``) and, once a person was picked from the
    suggestions, their id (``<name>_id``; typing again clears it). Without JavaScript only the
    text is sent, and the server resolves it (:class:`PersonField`).
    """

    def __init__(self, search_url: str = "", attrs=None):
        super().__init__(attrs)
        self.search_url = search_url

    def value_from_datadict(self, data, files, name):
        return (data.get(name, ""), data.get(f"{name}_id", ""))

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_id" not in data

    def render(self, name, value, attrs=None, renderer=None):
        text, picked = value if isinstance(value, tuple) else ("", value)
        if picked and not text:
            user = User.objects.filter(pk=picked).first()
            text = person_label(user) if user else ""
        final = self.build_attrs(self.attrs, attrs)
        context = {
            "name": name, "id": final.get("id", f"id_{name}"), "text": text or "", "picked": picked or "",
            "search_url": self.search_url, "required": final.get("required", False),
        }
        return render_to_string("_person_picker.html", context)


class PersonField(forms.Field):
    """One active person, picked from the suggestions or typed as a name or email address."""

    widget = PersonPicker

    def __init__(self, *, search_url: str = "", **kwargs):
        super().__init__(**kwargs)
        self.widget.search_url = search_url

    def to_python(self, value):
        text, picked = value if isinstance(value, tuple) else (value or "", "")
        if not picked and str(text).strip().isdigit():  # an account's id sent as the value, as a select sent it
            picked = str(text).strip()
        if str(picked).isdigit():
            user = User.objects.filter(pk=int(picked), is_active=True).first()
            if user is not None:
                return user
        if not (text or "").strip():
            return None
        try:
            return selectors.resolve_person(text)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from None

    def has_changed(self, initial, data):
        return True


def picker_search_url(poc, purpose: str) -> str:
    return f"{reverse('pocs:people-search', args=[poc.pk])}?for={purpose}"


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
                self.fields[field] = PersonField(
                    label=FIELD_LABELS[field], required=False, search_url=picker_search_url(self.instance, field),
                    help_text="Type a name or email address and pick the person; leave empty for nobody.",
                )
                self.fields[field].widget.attrs["id"] = f"input-{field}"

    FieldForm.__name__ = f"PoC{field.title().replace('_', '')}Form"
    for name, widget in widgets.items():
        FieldForm.base_fields[name].widget = widget
    return FieldForm


class MemberAddForm(forms.Form):
    email = PersonField(label="Person to add (name or email)")
    role = forms.ChoiceField(choices=Membership.Role.choices)

    def __init__(self, *args, poc=None, **kwargs):
        super().__init__(*args, **kwargs)
        if poc is not None:
            self.fields["email"].widget.search_url = picker_search_url(poc, "member")

    def clean_email(self):
        user = self.cleaned_data["email"]
        self.cleaned_data["user"] = user
        return user.email
