"""Serializers of the evaluations API, made from the models' own fields (limits declared once)."""

from rest_framework import serializers

from apps.core.api import patch_serializer
from apps.evaluations.models import (
    LATENCY_PERCENTILES,
    QUALITY_METRICS,
    VERDICTS,
    Dataset,
    DatasetItem,
    ModelEndpoint,
    ModelVersion,
    Targets,
)
from apps.evaluations.services import DATASET_FIELDS


class DatasetSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = ["id", "name", "kind", "description", "provenance", "is_standard", "items_count", "items_file_name",
                  "items_sha256", "items_change", "version", "created_at", "updated_at"]
        read_only_fields = fields


class DatasetCreateSerializer(serializers.ModelSerializer):
    class Meta:
        model = Dataset
        fields = list(DATASET_FIELDS)
        validators = []  # the service checks the constraints, naming the field


DatasetPatchSerializer = patch_serializer(
    Dataset, DATASET_FIELDS, name="DatasetPatchSerializer", version_required=False
)


class ModelVersionSerializer(serializers.ModelSerializer):
    """``version`` is the model's own version label; ``row_version`` the edit counter a PATCH sends back."""

    version = serializers.CharField(source="release", read_only=True)
    row_version = serializers.IntegerField(source="version", read_only=True)

    class Meta:
        model = ModelVersion
        fields = ["id", "name", "provider", "version", "notes", "row_version", "created_at", "updated_at"]
        read_only_fields = fields


def _release_field(**kwargs):
    limit = ModelVersion._meta.get_field("release").max_length
    return serializers.CharField(source="release", max_length=limit, allow_blank=True, required=False,
                                 help_text="The model's own version label", **kwargs)


class ModelVersionCreateSerializer(serializers.ModelSerializer):
    version = _release_field()

    class Meta:
        model = ModelVersion
        fields = ["name", "provider", "version", "notes"]
        validators = []


class ModelVersionPatchSerializer(serializers.ModelSerializer):
    """Send only the fields to change, and optionally the ``row_version`` you last read (a stale one answers 409)."""

    version = _release_field()
    row_version = serializers.IntegerField(
        min_value=1, required=False, help_text="The row_version you last read; without it the change applies anyway"
    )

    class Meta:
        model = ModelVersion
        fields = ["row_version", "name", "provider", "version", "notes"]
        extra_kwargs = {f: {"required": False} for f in ["name", "provider", "notes"]}
        validators = []


class EvalRunUploadSerializer(serializers.Serializer):
    dataset = serializers.IntegerField()
    model_version = serializers.IntegerField()
    file = serializers.FileField(allow_empty_file=True)
    pass_threshold = serializers.FloatField(required=False, allow_null=True)
    resamples = serializers.IntegerField(required=False, min_value=100, max_value=100_000)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class DatasetItemSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="item_id", read_only=True, help_text="The item's id from the uploaded file")

    class Meta:
        model = DatasetItem
        fields = ["id", "input", "label", "segment"]
        read_only_fields = fields


class ItemsUploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True, help_text="CSV or JSONL: id, input, label, optional segment")


class ItemsCountSerializer(serializers.Serializer):
    count = serializers.IntegerField()


class ModelEndpointSerializer(serializers.ModelSerializer):
    """An endpoint as read: ``headers`` are never returned, only their names and when they last changed."""

    headers_set = serializers.SerializerMethodField()

    class Meta:
        model = ModelEndpoint
        fields = ["id", "name", "model_version", "kind", "url", "model", "request_template", "response_path",
                  "header_names", "headers_set", "headers_changed_at", "timeout_s", "max_concurrency",
                  "max_rate_per_s", "match", "version", "created_at", "updated_at"]
        read_only_fields = fields

    def get_headers_set(self, row) -> bool:
        return bool(row.headers_encrypted)


ENDPOINT_WRITE_FIELDS = ["name", "model_version", "kind", "url", "model", "request_template", "response_path",
                         "headers", "timeout_s", "max_concurrency", "max_rate_per_s", "match"]


class ModelEndpointCreateSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField()
    url = serializers.CharField(max_length=2000)
    request_template = serializers.JSONField(required=False, allow_null=True)
    headers = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False, max_length=4096), required=False,
        write_only=True, help_text="Sent with every call (credentials); write-only, encrypted at rest",
    )

    class Meta:
        model = ModelEndpoint
        fields = ENDPOINT_WRITE_FIELDS
        validators = []


class ModelEndpointPatchSerializer(ModelEndpointCreateSerializer):
    """Send only the fields to change (``headers`` replaces them all), optionally with the ``version`` last read."""

    version = serializers.IntegerField(min_value=1, required=False)

    class Meta(ModelEndpointCreateSerializer.Meta):
        fields = ["version", *ENDPOINT_WRITE_FIELDS]
        extra_kwargs = {f: {"required": False} for f in ENDPOINT_WRITE_FIELDS}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class HarnessRunSerializer(serializers.Serializer):
    dataset = serializers.IntegerField()
    endpoint = serializers.IntegerField()
    concurrency = serializers.IntegerField(required=False, allow_null=True, min_value=1,
                                           help_text="Requests in flight at most (the lower of this and the "
                                           "endpoint's max_concurrency)")
    limit = serializers.IntegerField(required=False, allow_null=True, min_value=1, help_text="The first N items only")
    resamples = serializers.IntegerField(required=False, min_value=100, max_value=100_000)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class RecomputeSerializer(serializers.Serializer):
    resamples = serializers.IntegerField(required=False, min_value=100, max_value=100_000)
    seed = serializers.IntegerField(required=False, min_value=0, max_value=2**31 - 1)


class IntervalSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)


class VerdictsSerializer(serializers.Serializer):
    quality = serializers.ChoiceField(choices=VERDICTS, allow_null=True)
    latency = serializers.ChoiceField(choices=VERDICTS, allow_null=True)


class EvalRunSerializer(serializers.Serializer):
    """A run: its status (``queued`` | ``running`` | ``done`` | ``failed`` | ``cancelled``) and its last results."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed", "cancelled"])
    source = serializers.ChoiceField(choices=["upload", "harness"])
    endpoint = serializers.IntegerField(allow_null=True, help_text="The model endpoint a live run called")
    concurrency = serializers.IntegerField(allow_null=True)
    limit = serializers.IntegerField(allow_null=True)
    cancel_requested = serializers.BooleanField()
    errors = serializers.DictField(allow_null=True, help_text="A live run's failed calls: total, rate, by_kind, "
                                   "by_status")
    max_in_flight = serializers.IntegerField(allow_null=True)
    imported_from = serializers.CharField(allow_null=True, help_text="The tool whose results file was read "
                                          "(lm-evaluation-harness, promptfoo, MLflow); null for the portal's own")
    import_notes = serializers.ListField(child=serializers.CharField(), help_text="What the import read and left out")
    error = serializers.CharField()
    progress = serializers.IntegerField()
    progress_message = serializers.CharField()
    warnings = serializers.ListField(child=serializers.CharField())
    n = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=["classification", "graded"], allow_null=True)
    dataset = serializers.IntegerField()
    model_version = serializers.IntegerField()
    file_name = serializers.CharField()
    file_sha256 = serializers.CharField()
    file_size = serializers.IntegerField()
    pass_threshold = serializers.FloatField(allow_null=True)
    resamples = serializers.IntegerField()
    seed = serializers.IntegerField()
    computed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    metrics = serializers.DictField(child=IntervalSerializer(allow_null=True), allow_null=True)
    per_class = serializers.ListField(child=serializers.DictField(), allow_null=True)
    confusion_matrix = serializers.DictField(allow_null=True)
    segments = serializers.ListField(child=serializers.DictField(), allow_null=True)
    failure_modes = serializers.ListField(child=serializers.DictField(), allow_null=True)
    latency = serializers.DictField(child=IntervalSerializer(), allow_null=True)
    throughput = serializers.DictField(allow_null=True)
    targets = VerdictsSerializer(help_text="The run against the PoC's targets (null: that target is not set)")


class QualityTargetSerializer(serializers.Serializer):
    metric = serializers.ChoiceField(choices=list(QUALITY_METRICS))
    threshold = serializers.FloatField()
    basis = serializers.ChoiceField(choices=Targets.Basis.values, default=Targets.Basis.CI_LOW,
                                    help_text="ci_low (default): met when the interval's lower bound reaches the "
                                    "threshold; value: when the point estimate does")


class LatencyTargetSerializer(serializers.Serializer):
    percentile = serializers.ChoiceField(choices=list(LATENCY_PERCENTILES))
    max_ms = serializers.FloatField(min_value=0)
    min_throughput_per_s = serializers.FloatField(min_value=0, required=False, allow_null=True, default=None)


class TargetsSerializer(serializers.Serializer):
    """The PoC's targets; either part may be null (not set). PATCH sends the parts to change (null clears one),
    optionally with the ``version`` last read (a stale one answers 409)."""

    quality = QualityTargetSerializer(allow_null=True, required=False)
    latency = LatencyTargetSerializer(allow_null=True, required=False)
    version = serializers.IntegerField(min_value=1, required=False)


class DifferenceSerializer(IntervalSerializer):
    pass


class LeaderboardRowSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    model_version_name = serializers.CharField()
    run = serializers.IntegerField()
    n = serializers.IntegerField(allow_null=True)
    value = serializers.FloatField()
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    best = serializers.BooleanField()
    diff_to_best = DifferenceSerializer()
    paired_n = serializers.IntegerField(allow_null=True)
    only_in_run = serializers.IntegerField(allow_null=True, help_text="Items of this run left out (not in the best)")
    only_in_best = serializers.IntegerField(allow_null=True, help_text="Items of the best left out (not in this run)")


class LeaderboardSerializer(serializers.Serializer):
    dataset = serializers.IntegerField(allow_null=True)
    dataset_name = serializers.CharField(allow_null=True)
    metric = serializers.CharField(allow_null=True)
    resamples = serializers.IntegerField()
    seed = serializers.IntegerField()
    rows = LeaderboardRowSerializer(many=True)
    not_ranked = serializers.ListField(child=serializers.DictField())


class GapSideSerializer(IntervalSerializer):
    run = serializers.IntegerField()
    dataset = serializers.IntegerField()
    dataset_name = serializers.CharField()


class GapRowSerializer(serializers.Serializer):
    model_version = serializers.IntegerField()
    model_version_name = serializers.CharField()
    metric = serializers.CharField()
    curated = GapSideSerializer()
    production = GapSideSerializer()
    difference = IntervalSerializer(help_text="production − curated, from independent bootstrap draws")
    warning = serializers.BooleanField(help_text="The production interval lies wholly below the curated one")


class QualityGapSerializer(serializers.Serializer):
    metric = serializers.CharField()
    rows = GapRowSerializer(many=True)
    warning = serializers.BooleanField()


class LoadTestCreateSerializer(serializers.Serializer):
    endpoint = serializers.IntegerField()
    dataset = serializers.IntegerField()
    rates = serializers.ListField(child=serializers.FloatField(), required=False,
                                  help_text="Requests per second (default [1, 5, 20])")
    duration_s = serializers.FloatField(required=False, help_text="Seconds at each rate (default 10)")


class LoadTestSerializer(serializers.Serializer):
    """A load test: per rate the latency percentiles with 95% intervals and the error rate; ``knee_rate`` the
    first rate at which the PoC's latency target fails (null when it holds at every rate, or none is set)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["queued", "running", "done", "failed", "cancelled"])
    cancel_requested = serializers.BooleanField()
    error = serializers.CharField()
    endpoint = serializers.IntegerField(allow_null=True)
    dataset = serializers.IntegerField()
    requested_rates = serializers.ListField(child=serializers.FloatField())
    duration_s = serializers.FloatField()
    rates = serializers.ListField(child=serializers.DictField())
    knee_rate = serializers.FloatField(allow_null=True)
    percentile = serializers.CharField(allow_null=True)
    max_ms = serializers.FloatField(allow_null=True)
    notes = serializers.ListField(child=serializers.CharField())
    created_at = serializers.DateTimeField()


class DriftSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True, help_text="Newest re-run minus the baseline, on the same items")
    ci_low = serializers.FloatField(allow_null=True)
    ci_high = serializers.FloatField(allow_null=True)
    alert = serializers.BooleanField(help_text="A drop beyond the 95% interval (ci_high below 0)")


class MonitoringSerializer(serializers.Serializer):
    """The drift watch of a PoC decided with a go. PATCH sends what changes (``schedule``, ``endpoint``,
    ``baseline_run``), optionally with the ``version`` last read (a stale one answers 409)."""

    schedule = serializers.ChoiceField(choices=["off", "weekly", "monthly"], required=False)
    endpoint = serializers.IntegerField(allow_null=True, required=False)
    baseline_run = serializers.IntegerField(required=False,
                                            help_text="Default: the standard-dataset run the decision was signed on")
    last_run = serializers.DictField(read_only=True, allow_null=True)
    drift = DriftSerializer(read_only=True)
    version = serializers.IntegerField(min_value=1, required=False, write_only=True)
