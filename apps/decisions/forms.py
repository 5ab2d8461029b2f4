"""The signing form: made from the decision's own fields (choices, length limits), plus the password."""

from django import forms

from apps.decisions.models import Decision, Outcome


class SignForm(forms.Form):
    outcome = forms.ChoiceField(label="Decision", choices=Outcome.choices, widget=forms.RadioSelect)
    rationale = Decision._meta.get_field("rationale").formfield(
        label="Rationale", required=True, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why: what in the evidence decided it.",
    )
    conditions = Decision._meta.get_field("conditions").formfield(
        label="Conditions (Go only)", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything the production deployment must meet.",
    )
    password = forms.CharField(
        label="Your password", strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign.",
    )
    snapshot_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)
