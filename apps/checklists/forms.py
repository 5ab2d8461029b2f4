"""Forms for the kickoff page. They only parse input; the services decide what is allowed.

Each form's fields are made from the model's own fields (``model_fields``), so lengths, choices
and amounts are declared once, on the model; the page adds labels and widgets.
"""

from __future__ import annotations

from django import forms

from apps.checklists.models import Acknowledgement, BusinessCase, ChecklistItem, ValidationQuestion
from apps.checklists.services import ACKNOWLEDGEMENT_FIELDS, BUSINESS_CASE_FIELDS, ITEM_FIELDS, VALIDATION_FIELDS
from apps.core.forms import VersionedForm, versioned_form_for

TEXTAREA = {"rows": 2}
AMOUNT = forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"})


class ItemForm(
    versioned_form_for(
        ChecklistItem,
        [f for f in ITEM_FIELDS if f != "owner"],
        labels={
            "due_date": "Due",
            "evidence_url": "Evidence link",
            "evidence_note": "Evidence note",
            "justification": "Justification (needed to accept the risk)",
        },
        widgets={
            "due_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "evidence_note": forms.Textarea(attrs=TEXTAREA),
            "notes": forms.Textarea(attrs=TEXTAREA),
            "justification": forms.Textarea(attrs=TEXTAREA),
        },
    )
):
    # The owner is chosen among the people on the PoC (the view passes them in).
    owner = forms.TypedChoiceField(label="Owner", coerce=int, empty_value=None, required=False)
    field_order = ["version", *ITEM_FIELDS]

    def __init__(self, *args, item: ChecklistItem, owner_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, prefix_id=f"item-{item.pk}", **kwargs)
        choices = list(owner_choices)
        if item.owner_id and all(pk != item.owner_id for pk, _ in choices):
            choices.append((item.owner_id, str(item.owner)))
        self.fields["owner"].choices = [("", "— nobody yet —"), *choices]


def item_initial(item: ChecklistItem) -> dict:
    return {**initial_for(item, ITEM_FIELDS), "owner": item.owner_id}


class EvidenceFileForm(VersionedForm):
    file = forms.FileField(label="Evidence file")


class ValidationForm(
    versioned_form_for(
        ValidationQuestion,
        VALIDATION_FIELDS,
        labels={"hypothesis": "Our hypothesis", "evidence_url": "Evidence link"},
        widgets={"hypothesis": forms.Textarea(attrs=TEXTAREA), "answer": forms.Textarea(attrs=TEXTAREA)},
    )
):
    def __init__(self, *args, row: ValidationQuestion, **kwargs):
        super().__init__(*args, prefix_id=f"validation-{row.kind}", **kwargs)
        self.fields["target"].widget.attrs["placeholder"] = f"e.g. {row.example}"


class AcknowledgementForm(
    versioned_form_for(
        Acknowledgement,
        ACKNOWLEDGEMENT_FIELDS,
        labels={
            "acknowledged": "We acknowledge the PoC will not answer this",
            "answered_where": "Answered instead in",
        },
        widgets={"notes": forms.Textarea(attrs=TEXTAREA)},
    )
):
    def __init__(self, *args, row: Acknowledgement, **kwargs):
        super().__init__(*args, prefix_id=f"ack-{row.kind}", **kwargs)
        self.fields["answered_where"].widget.attrs.update(list="answered-where-options", placeholder=row.suggestion)


class BusinessCaseForm(
    versioned_form_for(
        BusinessCase,
        BUSINESS_CASE_FIELDS,
        labels={
            "value_hypothesis": "Value hypothesis",
            "unit": "One successful unit is",
            "value_per_unit": "Value per successful unit",
            "monthly_benefit": "Or: monthly benefit",
            "max_cost_per_unit": "Most a unit may cost in production",
            "max_monthly_cost": "Or: most production may cost a month",
        },
        widgets={
            "value_hypothesis": forms.Textarea(attrs=TEXTAREA),
            "unit": forms.TextInput(attrs={"placeholder": "e.g. an invoice routed correctly"}),
            "value_per_unit": AMOUNT,
            "monthly_benefit": AMOUNT,
            "max_cost_per_unit": AMOUNT,
            "max_monthly_cost": AMOUNT,
        },
    )
):
    def __init__(self, *args, row: BusinessCase, **kwargs):
        super().__init__(*args, prefix_id="business-case", **kwargs)


def initial_for(row, fields) -> dict:
    return {**{f: getattr(row, f) for f in fields}, "version": row.version}
