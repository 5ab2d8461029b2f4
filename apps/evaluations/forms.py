"""Page forms, made from the models' own fields (lengths, choices and validators declared once)."""

from django import forms

from apps.core.forms import versioned_form_for
from apps.evaluations.models import QUALITY_METRICS, Dataset, ModelVersion, Targets
from apps.evaluations.services import DATASET_FIELDS, MODEL_VERSION_FIELDS, TARGET_FIELDS

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
        "(and passed, or a pass threshold). Optional: segment, latency_ms, timestamp, failure_mode.",
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
