"""Forms for the integrations page. They only parse input; the services decide what is allowed.

Fields are made from the model's own (``versioned_form_for``), so lengths, choices, amounts and
the owner's "any active user" are declared once, on the model.
"""

from __future__ import annotations

from django import forms

from apps.core.forms import versioned_form_for
from apps.integrations.models import Integration, ProductionConcern
from apps.integrations.services import CONCERN_EDIT_FIELDS, INTEGRATION_FIELDS

TEXTAREA = {"rows": 2}
AMOUNT = {"step": "any", "inputmode": "decimal", "min": "0"}
LABELS = {
    "system": "System",
    "data_classification": "Data classification",
    "boundary": "Boundary crossed (empty when none)",
    "owning_team": "Owning team",
    "owner": "Owner",
    "estimate_days": "Estimate (days)",
    "estimate_cost": "Estimate (cost)",
    "not_applicable": "Not applicable",
    "reason": "Why it does not apply",
}
WIDGETS = {
    "notes": forms.Textarea(attrs=TEXTAREA),
    "reason": forms.Textarea(attrs=TEXTAREA),
    "estimate_days": forms.NumberInput(attrs=AMOUNT),
    "estimate_cost": forms.NumberInput(attrs=AMOUNT),
}


class IntegrationForm(versioned_form_for(Integration, INTEGRATION_FIELDS, labels=LABELS, widgets=WIDGETS)):
    def __init__(self, *args, row: Integration, **kwargs):
        super().__init__(*args, prefix_id=f"integration-{row.pk}", **kwargs)
        self.fields["owner"].empty_label = "— nobody yet —"


class ConcernForm(versioned_form_for(ProductionConcern, CONCERN_EDIT_FIELDS, labels=LABELS, widgets=WIDGETS)):
    def __init__(self, *args, row: ProductionConcern, **kwargs):
        super().__init__(*args, prefix_id=f"concern-{row.pk}", **kwargs)
        self.fields["owner"].empty_label = "— nobody yet —"
        if row.seeded:
            del self.fields["name"]  # a seeded concern keeps its name


class IntegrationCreateForm(forms.Form):
    """Adding an integration needs only the system and its direction."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="add-integration-%s", **kwargs)
        self.fields.update(forms.fields_for_model(Integration, fields=["system", "direction"], labels=LABELS))


class ConcernCreateForm(forms.Form):
    """Adding a concern of one's own needs only its name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, auto_id="add-concern-%s", **kwargs)
        self.fields.update(forms.fields_for_model(ProductionConcern, fields=["name"], labels={"name": "Concern"}))
        self.fields["name"].required = True


def initial_for(row, fields) -> dict:
    values = {f: getattr(row, f"{f}_id" if f == "owner" else f) for f in fields}
    return {**values, "version": row.version}
