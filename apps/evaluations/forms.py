"""Page forms, made from the models' own fields (lengths, choices and validators declared once)."""

from django import forms

from apps.core.forms import versioned_form_for
from apps.evaluations.models import QUALITY_METRICS, Dataset, DatasetItem, ModelEndpoint, ModelVersion, Targets
from apps.evaluations.services import (
    DATASET_FIELDS,
    ENDPOINT_FIELDS,
    ITEM_FIELDS,
    MODEL_VERSION_FIELDS,
    TARGET_FIELDS,
)

TEXTAREA = forms.Textarea(attrs={"rows": 3})
DATASET_WIDGETS = {"description": TEXTAREA, "provenance": TEXTAREA}
MODEL_WIDGETS = {"notes": TEXTAREA}


def _plain(model, fields, widgets):
    made = forms.fields_for_model(model, fields=list(fields), widgets=widgets)
    return type(f"{model.__name__}CreateForm", (forms.Form,), made)


DatasetCreateForm = _plain(Dataset, DATASET_FIELDS, DATASET_WIDGETS)
DatasetForm = versioned_form_for(Dataset, DATASET_FIELDS, widgets=DATASET_WIDGETS)
ModelVersionCreateForm = _plain(ModelVersion, MODEL_VERSION_FIELDS, MODEL_WIDGETS)
ModelVersionForm = versioned_form_for(ModelVersion, MODEL_VERSION_FIELDS, widgets=MODEL_WIDGETS)


class RunUploadForm(forms.Form):
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none())
    model_version = forms.ModelChoiceField(queryset=ModelVersion.objects.none())
    file = forms.FileField(
        label="Results file", allow_empty_file=True,
        help_text="CSV or JSONL, UTF-8. Classification: id, label, prediction. Graded: id, score "
        "(and passed, or a pass threshold). Optional: segment, latency_ms, timestamp, failure_mode. "
        "Also read as they are: lm-evaluation-harness --log_samples files, promptfoo's -o results.json and "
        "MLflow's evaluation results table (eval_results_table.json).",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.json,.txt"}),
    )
    pass_threshold = forms.FloatField(required=False, help_text="Graded files: a score at or above it passes")
    resamples = forms.IntegerField(
        initial=2000, min_value=100, max_value=100_000, help_text="Bootstrap resamples for the 95% intervals"
    )
    seed = forms.IntegerField(initial=0, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, poc, datasets=None, model_versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.filter(poc=poc)
        self.fields["model_version"].queryset = ModelVersion.objects.filter(poc=poc)
        self.can_upload = None
        if datasets is not None and model_versions is not None:  # rows the page loaded: no query for the choices
            self.fields["dataset"].choices = [("", "---------"), *((d.pk, str(d)) for d in datasets)]
            self.fields["model_version"].choices = [("", "---------"), *((m.pk, str(m)) for m in model_versions)]
            self.can_upload = bool(datasets) and bool(model_versions)


class RecomputeForm(forms.Form):
    resamples = forms.IntegerField(required=False, min_value=100, max_value=100_000)
    seed = forms.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


# --- Live runs: items, endpoints, starting a run ------------------------------------------------------------

ITEM_WIDGETS = {"input": forms.Textarea(attrs={"rows": 3})}
ItemCreateForm = _plain(DatasetItem, ITEM_FIELDS, ITEM_WIDGETS)
ItemForm = versioned_form_for(DatasetItem, ITEM_FIELDS, labels={"item_id": "id"}, widgets=ITEM_WIDGETS)
ItemCreateForm.base_fields["item_id"].label = "id"


class ItemsImportForm(forms.Form):
    file = forms.FileField(
        label="Items file", allow_empty_file=True,
        help_text="CSV or JSONL, UTF-8, with the columns id, input, label and optionally segment. "
        "It replaces every item of the dataset; a refused file leaves them as they are.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.jsonl,.ndjson,.json,.txt"}),
    )


ENDPOINT_FORM_FIELDS = [f for f in ENDPOINT_FIELDS if f not in ("headers", "url")]  # both declared below
ENDPOINT_WIDGETS = {"request_template": forms.Textarea(attrs={"rows": 4, "spellcheck": "false"})}
HEADERS_HELP = (
    'A JSON object, e.g. {"Authorization": "Bearer …"}: sent with every call, stored encrypted and never shown '
    "again. Leave empty to keep the headers as they are; {} removes them."
)


ENDPOINT_LABELS = {"url": "URL", "request_template": "Request template", "response_path": "Response path",
                   "timeout_s": "Timeout (seconds)", "max_concurrency": "Requests in flight at most",
                   "max_rate_per_s": "Requests per second at most", "match": "Compare replies with labels"}


class JSONText(forms.JSONField):
    """A JSON value typed as text; nothing (not ``null``) is shown when there is none."""

    def prepare_value(self, value):
        return "" if value is None else super().prepare_value(value)


class _EndpointParts(forms.Form):
    """What both endpoint forms share: the PoC's model versions, the write-only headers."""

    field_order = ENDPOINT_FIELDS
    url = forms.URLField(max_length=ModelEndpoint._meta.get_field("url").max_length, assume_scheme="https")
    headers = JSONText(required=False, help_text=HEADERS_HELP, widget=forms.Textarea(
        attrs={"rows": 2, "spellcheck": "false", "autocomplete": "off"}))

    def __init__(self, *args, poc, model_versions=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["model_version"]
        field.queryset = ModelVersion.objects.filter(poc=poc)
        if model_versions is not None:  # rows the page loaded: no query for the choices
            field.choices = [("", "---------"), *((m.pk, str(m)) for m in model_versions)]
        self.fields["request_template"] = JSONText(
            required=False, widget=ENDPOINT_WIDGETS["request_template"],
            help_text='http_json: the JSON body sent, with "{{input}}" inside a string where the item\'s input goes')
        for name in ("timeout_s", "max_rate_per_s"):
            self.fields[name].widget.attrs["step"] = "any"
        for name, label in ENDPOINT_LABELS.items():
            self.fields[name].label = label

    def changes(self) -> dict:
        """The fields to write; empty headers keep the stored ones."""
        changes = {k: v for k, v in self.cleaned_data.items() if k != "version"}
        if changes.get("headers") in (None, ""):
            changes.pop("headers", None)
        return changes


EndpointCreateForm = type("EndpointCreateForm", (_EndpointParts,),
                          forms.fields_for_model(ModelEndpoint, fields=ENDPOINT_FORM_FIELDS, widgets=ENDPOINT_WIDGETS))
EndpointForm = type("EndpointForm", (_EndpointParts, versioned_form_for(ModelEndpoint, ENDPOINT_FORM_FIELDS,
                                                                        widgets=ENDPOINT_WIDGETS)), {})


class LiveRunForm(forms.Form):
    """Start a live run: the endpoint's model version answers the dataset's items."""

    endpoint = forms.ModelChoiceField(queryset=ModelEndpoint.objects.none(), label="Model endpoint")
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), help_text="Only datasets with items")
    concurrency = forms.IntegerField(
        required=False, min_value=1, help_text="Requests in flight at most (the endpoint's limit applies too)")
    limit = forms.IntegerField(required=False, min_value=1, help_text="Call only the first N items")
    resamples = forms.IntegerField(initial=2000, min_value=100, max_value=100_000,
                                   help_text="Bootstrap resamples for the 95% intervals")
    seed = forms.IntegerField(initial=0, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, poc, datasets=None, endpoints=None, **kwargs):
        kwargs.setdefault("auto_id", "live-%s")  # the upload form on the same page has a dataset field too
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].queryset = ModelEndpoint.objects.filter(poc=poc)
        self.fields["dataset"].queryset = Dataset.objects.filter(poc=poc, items_count__gt=0)
        if datasets is not None and endpoints is not None:
            with_items = [d for d in datasets if d.items_count]
            self.fields["dataset"].choices = [("", "---------"),
                                              *((d.pk, f"{d} ({d.items_count:,} items)") for d in with_items)]
            self.fields["endpoint"].choices = [("", "---------"),
                                               *((e.pk, f"{e} → {e.model_version}") for e in endpoints)]
            self.can_start = bool(with_items) and bool(endpoints)
        else:
            self.can_start = None


TargetsVersionedForm = versioned_form_for(Targets, TARGET_FIELDS)


class TargetsForm(TargetsVersionedForm):
    """The quality and latency targets; leave a metric or percentile empty to have no such target."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["quality_basis"].required = False
        for name in ("quality_threshold", "latency_max_ms", "min_throughput_per_s"):
            self.fields[name].widget.attrs["step"] = "any"


class CompareForm(forms.Form):
    """What the leaderboard compares: a metric on a dataset, for some model versions (all when none is ticked)."""

    metric = forms.ChoiceField(choices=[("", "The target's metric"), *QUALITY_METRICS.items()], required=False)
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), required=False,
                                     empty_label="The standard dataset")
    model_version = forms.ModelMultipleChoiceField(queryset=ModelVersion.objects.none(), required=False,
                                                   widget=forms.CheckboxSelectMultiple, label="Model versions")

    def __init__(self, *args, poc, datasets=None, model_versions=None, **kwargs):
        kwargs.setdefault("auto_id", "compare-%s")  # the upload form on the same page has a dataset field too
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.filter(poc=poc)
        self.fields["model_version"].queryset = ModelVersion.objects.filter(poc=poc)
        if datasets is not None:  # rows the page already loaded: no query to draw the choices
            self.fields["dataset"].choices = [("", "The standard dataset"), *((d.pk, d.name) for d in datasets)]
        if model_versions is not None:
            self.fields["model_version"].choices = [(m.pk, str(m)) for m in model_versions]


class LoadTestForm(forms.Form):
    """A load test: the endpoint at each rate for a duration, with the dataset's inputs."""

    endpoint = forms.ModelChoiceField(queryset=ModelEndpoint.objects.none(), label="Model endpoint")
    dataset = forms.ModelChoiceField(queryset=Dataset.objects.none(), help_text="Its inputs are sent, cycled")
    rates = forms.CharField(initial="1, 5, 20", max_length=200, label="Rates (requests per second)",
                            help_text="Comma-separated, e.g. the 1×, 5× and 20× peak rates")
    duration_s = forms.FloatField(initial=10, min_value=0.5, max_value=3600, label="Seconds at each rate",
                                  widget=forms.NumberInput(attrs={"step": "any"}))

    def __init__(self, *args, poc, datasets=None, endpoints=None, **kwargs):
        kwargs.setdefault("auto_id", "load-%s")
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].queryset = ModelEndpoint.objects.filter(poc=poc)
        self.fields["dataset"].queryset = Dataset.objects.filter(poc=poc, items_count__gt=0)
        if datasets is not None and endpoints is not None:
            self.fields["dataset"].choices = [("", "---------"), *(
                (d.pk, f"{d} ({d.items_count:,} items)") for d in datasets if d.items_count)]
            self.fields["endpoint"].choices = [("", "---------"), *((e.pk, str(e)) for e in endpoints)]


class PeakFactorForm(forms.Form):
    """The peak-to-average factor the cost model's volumes are turned into peak request rates with."""

    peak_factor = forms.FloatField(initial=3, min_value=1, max_value=1000, label="Peak-to-average factor",
                                   widget=forms.NumberInput(attrs={"step": "any"}),
                                   help_text="Peak rate = monthly volume ÷ (30 × 86,400 s) × this factor")


class MonitoringForm(forms.Form):
    """The drift watch of a go PoC: how often the standard dataset is sent again, and to which endpoint."""

    schedule = forms.ChoiceField(choices=[("off", "Off"), ("weekly", "Weekly"), ("monthly", "Monthly")])
    endpoint = forms.ModelChoiceField(queryset=ModelEndpoint.objects.none(), required=False,
                                      label="Model endpoint", help_text="Where the production model answers")

    def __init__(self, *args, poc, **kwargs):
        kwargs.setdefault("auto_id", "drift-%s")
        super().__init__(*args, **kwargs)
        self.fields["endpoint"].queryset = ModelEndpoint.objects.filter(poc=poc)
