"""Page forms, made from the models' own fields (lengths, choices and validators declared once).

The business case's fields on the baseline form are only parsed here; the business case's own
model checks them when its service writes them.
"""

from django import forms

from apps.core.forms import versioned_form_for
from apps.costs.models import CostLine, CostModel
from apps.costs.services import LINE_FIELDS

BASELINE_FIELDS = ("volume_per_month", "users", "quality", "model_version")
LINE_LABELS = {"low": "Low", "likely": "Likely", "high": "High"}
NUMBER = {"inputmode": "decimal"}


class BaselineForm(forms.Form):
    """The PoC-scale baseline, the scales, the quality assumption and the business case's value side."""

    unit_name = forms.CharField(label="Unit", required=False, max_length=100,
                                help_text="The business case's unit, e.g. invoice routed")
    scales = forms.CharField(label="Scales", help_text="Multiples of the PoC scale, separated by commas",
                             max_length=100)
    value_per_unit = forms.DecimalField(label="Value per unit", required=False)
    monthly_benefit = forms.DecimalField(label="Monthly benefit", required=False,
                                         help_text="Used when there is no value per unit")
    currency = forms.CharField(label="Currency", max_length=3)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        made = forms.fields_for_model(CostModel, fields=list(BASELINE_FIELDS))
        made["volume_per_month"].label = "Volume per month"
        made["users"].label = "Active users"
        made["quality"].label = "Assumed quality (0–1)"
        made["model_version"].label = "Model version id"
        made["model_version"].help_text = "The evaluated model version to read quality from (empty: the best)"
        self.fields = {**made, **self.fields}
        self.order_fields(["volume_per_month", "unit_name", "users", "scales", "value_per_unit", "monthly_benefit",
                           "currency", "quality", "model_version"])

    def clean_scales(self):
        text = self.cleaned_data["scales"]
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        scales = []
        for part in parts:
            try:
                number = float(part.rstrip("×x"))
            except ValueError:
                raise forms.ValidationError("Give numbers separated by commas, e.g. 1, 5, 20.") from None
            scales.append(int(number) if number.is_integer() else number)
        return scales

    def changes(self) -> dict:
        return dict(self.cleaned_data)


LineForm = versioned_form_for(CostLine, LINE_FIELDS, labels=LINE_LABELS)


class LineCreateForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = forms.fields_for_model(CostLine, fields=list(LINE_FIELDS), labels=LINE_LABELS)
