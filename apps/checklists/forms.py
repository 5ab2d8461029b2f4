"""Forms for the kickoff page. They only parse input; the services decide what is allowed."""

from __future__ import annotations

from django import forms

from apps.checklists.models import Acknowledgement, BusinessCase, ChecklistItem, Status, ValidationQuestion

TEXTAREA = {"rows": 2}


def _optional_money(label: str, help_text: str = "", decimals: int = 4) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=False, min_value=0, decimal_places=decimals, help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, prefix_id: str, **kwargs):
        kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


class ItemForm(VersionedForm):
    status = forms.ChoiceField(choices=Status.choices)
    owner = forms.TypedChoiceField(label="Owner", coerce=int, empty_value=None, required=False)
    due_date = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    evidence_url = forms.URLField(label="Evidence link", required=False, assume_scheme="https", max_length=500)
    evidence_note = forms.CharField(label="Evidence note", required=False, widget=forms.Textarea(attrs=TEXTAREA))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))
    justification = forms.CharField(
        label="Justification (needed to accept the risk)", required=False, widget=forms.Textarea(attrs=TEXTAREA)
    )

    def __init__(self, *args, item: ChecklistItem, owner_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, prefix_id=f"item-{item.pk}", **kwargs)
        choices = list(owner_choices)
        if item.owner_id and all(pk != item.owner_id for pk, _ in choices):
            choices.append((item.owner_id, str(item.owner)))
        self.fields["owner"].choices = [("", "— nobody yet —"), *choices]


def item_initial(item: ChecklistItem) -> dict:
    return {
        "status": item.status, "owner": item.owner_id, "due_date": item.due_date, "evidence_url": item.evidence_url,
        "evidence_note": item.evidence_note, "notes": item.notes, "justification": item.justification,
        "version": item.version,
    }


class EvidenceFileForm(VersionedForm):
    file = forms.FileField(label="Evidence file")


class ValidationForm(VersionedForm):
    hypothesis = forms.CharField(label="Our hypothesis", required=False, widget=forms.Textarea(attrs=TEXTAREA))
    target = forms.CharField(label="Target", required=False, max_length=300)
    answer = forms.CharField(label="Answer", required=False, widget=forms.Textarea(attrs=TEXTAREA))
    evidence_url = forms.URLField(label="Evidence link", required=False, assume_scheme="https", max_length=500)

    def __init__(self, *args, row: ValidationQuestion, **kwargs):
        super().__init__(*args, prefix_id=f"validation-{row.kind}", **kwargs)
        self.fields["target"].widget.attrs["placeholder"] = f"e.g. {row.example}"


class AcknowledgementForm(VersionedForm):
    acknowledged = forms.BooleanField(label="We acknowledge the PoC will not answer this", required=False)
    answered_where = forms.CharField(label="Answered instead in", required=False, max_length=200)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs=TEXTAREA))

    def __init__(self, *args, row: Acknowledgement, **kwargs):
        super().__init__(*args, prefix_id=f"ack-{row.kind}", **kwargs)
        self.fields["answered_where"].widget.attrs.update(list="answered-where-options", placeholder=row.suggestion)


class BusinessCaseForm(VersionedForm):
    value_hypothesis = forms.CharField(label="Value hypothesis", required=False, widget=forms.Textarea(attrs=TEXTAREA))
    unit = forms.CharField(label="One successful unit is", required=False, max_length=100,
                           widget=forms.TextInput(attrs={"placeholder": "e.g. an invoice routed correctly"}))
    value_per_unit = _optional_money("Value per successful unit")
    monthly_benefit = _optional_money("Or: monthly benefit", decimals=2)
    max_cost_per_unit = _optional_money("Most a unit may cost in production")
    max_monthly_cost = _optional_money("Or: most production may cost a month", decimals=2)
    currency = forms.CharField(max_length=3, initial="EUR")

    def __init__(self, *args, row: BusinessCase, **kwargs):
        super().__init__(*args, prefix_id="business-case", **kwargs)


def initial_for(row, fields) -> dict:
    return {**{f: getattr(row, f) for f in fields}, "version": row.version}
