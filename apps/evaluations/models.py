"""Datasets, model versions and evaluation runs of a PoC."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from apps.audit.declarations import Audited, NotAudited
from apps.core.validators import SHORT_TEXT, BoundedTextField
from apps.pocs.models import PoC


class Dataset(models.Model):
    """A set of examples a PoC is evaluated on: a curated sample or a representative production sample."""

    audit = Audited(poc_field="poc", label="dataset")

    class Kind(models.TextChoices):
        CURATED = "curated", "Curated PoC sample"
        PRODUCTION = "production", "Representative production sample"

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="datasets")
    name = models.CharField(max_length=SHORT_TEXT)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = BoundedTextField(blank=True)
    provenance = BoundedTextField(blank=True, help_text="Where the examples come from and how they were drawn")
    is_standard = models.BooleanField(
        default=False, help_text="The PoC's standard dataset (one at most): the one its measured quality is read from"
    )
    items_count = models.PositiveIntegerField(default=0, help_text="Items a live run calls the model with")
    items_file_name = models.CharField(max_length=SHORT_TEXT, blank=True)
    items_sha256 = models.CharField(max_length=64, blank=True)
    items_change = models.CharField(
        max_length=600, blank=True,
        help_text="The last change of one item on the page (the items are not audited row by row: this is)",
    )
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poc", "name"], name="evaluations_dataset_unique_name"),
            models.UniqueConstraint(
                fields=["poc"], condition=Q(is_standard=True), name="evaluations_dataset_one_standard",
                violation_error_message="The PoC already has a standard dataset.",
            ),
        ]

    def __str__(self):
        return self.name


class ModelVersion(models.Model):
    """A model (or prompt, or configuration) whose outputs are evaluated. ``release`` is its own version
    label (the API's ``version``); ``version`` is the row's edit counter, as on every edited row."""

    audit = Audited(poc_field="poc", label="model version")

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="model_versions")
    name = models.CharField(max_length=SHORT_TEXT)
    provider = models.CharField(max_length=SHORT_TEXT, blank=True)
    release = models.CharField("version", max_length=SHORT_TEXT, blank=True)
    notes = BoundedTextField(blank=True, help_text="Prompt, configuration, anything needed to reproduce the outputs")
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "release", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poc", "name", "release"], name="evaluations_modelversion_unique"),
        ]

    def __str__(self):
        return f"{self.name} {self.release}".strip()


class DatasetItem(models.Model):
    """One item of a dataset: what the model is asked (``input``) and the expected answer (``label``)."""

    audit = NotAudited(
        "written by dataset_items_replace (the upload recorded on the dataset's audited row: items_count, "
        "items_file_name, items_sha256) or one at a time by dataset_item_create / _update / _delete, each "
        "recording what changed, before and after, in the dataset's audited items_change"
    )

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="items")
    item_id = models.CharField(max_length=SHORT_TEXT)
    input = BoundedTextField(max_length=100_000)  # a prompt or a document: longer than a note
    label = models.CharField(max_length=SHORT_TEXT)
    segment = models.CharField(max_length=SHORT_TEXT, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["dataset", "id"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "item_id"], name="evaluations_datasetitem_unique_id"),
        ]

    def __str__(self):
        return self.item_id


class ModelEndpoint(models.Model):
    """Where a model version answers: an OpenAI-compatible chat completions URL, or a JSON API.

    ``headers_encrypted`` holds the headers (credentials) encrypted with ``FIELD_ENCRYPTION_KEY``;
    it is left out of the audit trail, where ``header_names`` and ``headers_changed_at`` say that
    (and which) headers changed, never their values.
    """

    audit = Audited(poc_field="poc", exclude=("headers_encrypted",), label="model endpoint")

    class Kind(models.TextChoices):
        OPENAI_CHAT = "openai_chat", "OpenAI-compatible chat completions"
        HTTP_JSON = "http_json", "HTTP JSON"

    class Match(models.TextChoices):
        CASEFOLD = "casefold", "Ignoring case"
        EXACT = "exact", "Exactly"

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="model_endpoints")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="endpoints")
    name = models.CharField(max_length=SHORT_TEXT)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    url = models.URLField(max_length=2000)
    model = models.CharField(max_length=SHORT_TEXT, blank=True, help_text="The model name sent (openai_chat)")
    request_template = models.JSONField(null=True, blank=True,
                                        help_text="The JSON body sent (http_json); {{input}} is the item's input")
    response_path = models.CharField(max_length=SHORT_TEXT, blank=True,
                                     help_text="Where the prediction is in the reply (http_json), e.g. prediction")
    # Fernet text of at most 20 headers of 4 KiB each (endpoints.MAX_HEADERS / MAX_HEADER_VALUE).
    headers_encrypted = BoundedTextField(max_length=150_000, blank=True)
    header_names = models.CharField(max_length=2000, blank=True)
    headers_changed_at = models.DateTimeField(null=True, blank=True)
    timeout_s = models.FloatField(default=30, validators=[MinValueValidator(0.1), MaxValueValidator(600)])
    max_concurrency = models.PositiveIntegerField(default=4, validators=[MinValueValidator(1), MaxValueValidator(256)])
    max_rate_per_s = models.FloatField(null=True, blank=True,
                                       validators=[MinValueValidator(0.01), MaxValueValidator(100_000)])
    match = models.CharField(max_length=16, choices=Match.choices, default=Match.CASEFOLD)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poc", "name"], name="evaluations_modelendpoint_unique_name"),
        ]

    def __str__(self):
        return self.name


def results_path(run: EvalRun, filename: str) -> str:
    """Uploaded files live under MEDIA_ROOT with a random name; the original name is kept on the row."""
    return f"evaluations/poc-{run.poc_id}/{uuid.uuid4().hex}"


class EvalRun(models.Model):
    """One results file for (dataset, model version), and what was computed from it.

    ``source`` says where the file came from: uploaded, or written by a live run (``harness``)
    that called ``endpoint`` over the dataset's items (every call kept in ``calls_file``).

    ``status`` and ``error`` follow the run's latest job; ``results`` hold the last successful
    computation (a failed recompute leaves them as they were).
    """

    audit = Audited(poc_field="poc", exclude=("results",), label="evaluation run")

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded results file"
        HARNESS = "harness", "Live run against a model endpoint"

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="eval_runs")
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.UPLOAD)
    endpoint = models.ForeignKey(ModelEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs")
    concurrency = models.PositiveIntegerField(null=True, blank=True, help_text="Requests in flight at most (live)")
    limit = models.PositiveIntegerField(null=True, blank=True, help_text="The first N items only (live)")
    cancel_requested = models.BooleanField(default=False)
    calls_file = models.FileField(upload_to=results_path, max_length=300, blank=True,
                                  help_text="Every item's call (live): prediction, latency, error kind")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="runs")
    model_version = models.ForeignKey(ModelVersion, on_delete=models.PROTECT, related_name="runs")
    file = models.FileField(upload_to=results_path, max_length=300)
    file_name = models.CharField(max_length=SHORT_TEXT)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField()
    pass_threshold = models.FloatField(null=True, blank=True)
    resamples = models.PositiveIntegerField(
        default=2000, validators=[MinValueValidator(100), MaxValueValidator(100_000)]
    )
    seed = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(2**31 - 1)])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = BoundedTextField(blank=True)
    job_id = models.BigIntegerField(null=True, blank=True, help_text="The run's latest job")
    kind = models.CharField(max_length=16, blank=True)
    n = models.PositiveIntegerField(null=True, blank=True)
    headline = models.FloatField(null=True, blank=True, help_text="Accuracy or pass rate of the last results")
    warnings = models.JSONField(default=list, blank=True)
    results = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Run {self.pk} of {self.model_version} on {self.dataset}"


QUALITY_METRICS = {
    "accuracy": "Accuracy",
    "macro_f1": "Macro F1",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "pass_rate": "Pass rate",
    "mean_score": "Mean score",
}
LATENCY_PERCENTILES = ("p50", "p90", "p95", "p99")
VERDICTS = [("met", "met"), ("not_met", "not met"), ("not_measured", "not measured")]  # a run against a target


class Targets(models.Model):
    """The PoC's quality and latency targets as data, beside the written ones in the validation questions.

    Quality: ``metric`` ≥ ``threshold``, judged on the 95% interval's lower bound (``ci_low``, the
    default: met only when the data rule out falling short) or on the point estimate (``value``).
    Latency: the ``percentile`` at most ``max_ms`` (point estimate), and when given a throughput of
    at least ``min_throughput_per_s``. Either part may be left empty.
    """

    audit = Audited(poc_field="poc", label="targets")

    class Basis(models.TextChoices):
        CI_LOW = "ci_low", "The interval's lower bound"
        VALUE = "value", "The point estimate"

    poc = models.OneToOneField(PoC, on_delete=models.CASCADE, related_name="eval_targets")
    quality_metric = models.CharField(
        "quality metric", max_length=32, blank=True, choices=list(QUALITY_METRICS.items())
    )
    quality_threshold = models.FloatField(
        "quality threshold", null=True, blank=True, validators=[MinValueValidator(-1e12), MaxValueValidator(1e12)]
    )
    quality_basis = models.CharField(
        "judged on", max_length=8, choices=Basis.choices, default=Basis.CI_LOW,
        help_text="Met when the interval's lower bound (or the point estimate) reaches the threshold",
    )
    latency_percentile = models.CharField(
        "latency percentile", max_length=4, blank=True, choices=[(p, p) for p in LATENCY_PERCENTILES]
    )
    latency_max_ms = models.FloatField(
        "maximum latency (ms)", null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(1e9)]
    )
    min_throughput_per_s = models.FloatField(
        "minimum throughput per second", null=True, blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1e9)],
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "targets"

    def __str__(self):
        return f"Targets of {self.poc_id}"

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.quality_metric and self.quality_threshold is None:
            errors["quality_threshold"] = "Give the threshold the metric must reach."
        if self.quality_threshold is not None and not self.quality_metric:
            errors["quality_metric"] = "Choose the metric the threshold applies to."
        if self.latency_percentile and self.latency_max_ms is None:
            errors["latency_max_ms"] = "Give the maximum latency in milliseconds."
        if self.latency_max_ms is not None and not self.latency_percentile:
            errors["latency_percentile"] = "Choose the percentile the maximum applies to."
        if self.min_throughput_per_s is not None and not self.latency_percentile:
            errors.setdefault("latency_percentile", "Set the latency target first; throughput is part of it.")
        if errors:
            raise ValidationError(errors)

    @property
    def quality(self) -> dict | None:
        if not self.quality_metric:
            return None
        return {"metric": self.quality_metric, "threshold": self.quality_threshold, "basis": self.quality_basis}

    @property
    def latency(self) -> dict | None:
        if not self.latency_percentile:
            return None
        return {"percentile": self.latency_percentile, "max_ms": self.latency_max_ms,
                "min_throughput_per_s": self.min_throughput_per_s}


class LoadTest(models.Model):
    """An endpoint called at a list of request rates, each for ``duration_s`` seconds, with its dataset's
    inputs (cycled): latency percentiles with intervals and the error rate per rate, and the ``knee_rate``,
    the first rate at which the latency target stops holding (null when it holds at every rate or no
    latency target is set)."""

    audit = Audited(poc_field="poc", exclude=("results",), label="load test")

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="load_tests")
    endpoint = models.ForeignKey(ModelEndpoint, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="load_tests")
    dataset = models.ForeignKey(Dataset, on_delete=models.PROTECT, related_name="load_tests")
    rates = models.JSONField(help_text="Requests per second, in the order they are run")
    duration_s = models.FloatField(validators=[MinValueValidator(0.5), MaxValueValidator(3600)])
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    job_id = models.BigIntegerField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    results = models.JSONField(null=True, blank=True)
    knee_rate = models.FloatField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Load test {self.pk}"


class Monitoring(models.Model):
    """Drift watch after a go: the standard dataset's items sent again to ``endpoint`` on a schedule, each
    re-run compared with ``baseline_run`` (the standard-dataset run the decision was signed on) item by item.

    Not part of the signed record: a PoC decided with a go accepts these settings and the re-runs, and
    nothing else (``services.check_monitorable``)."""

    audit = Audited(poc_field="poc", label="drift watch")

    class Schedule(models.TextChoices):
        OFF = "off", "Off"
        WEEKLY = "weekly", "Weekly"
        MONTHLY = "monthly", "Monthly"

    poc = models.OneToOneField(PoC, on_delete=models.CASCADE, related_name="monitoring")
    schedule = models.CharField(max_length=8, choices=Schedule.choices, default=Schedule.OFF)
    endpoint = models.ForeignKey(ModelEndpoint, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="monitorings")
    baseline_run = models.ForeignKey(EvalRun, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     help_text="The standard-dataset run the decision was signed on")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Drift watch of {self.poc_id}"


class MonitoringRun(models.Model):
    """One re-run of a drift watch: the standard dataset's items sent to the endpoint, and the paired
    difference of the metric against the baseline run on the same items (``value``, 95% interval)."""

    audit = Audited(poc_field="poc", exclude=("results",), label="drift re-run")

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    poc = models.ForeignKey(PoC, on_delete=models.CASCADE, related_name="monitoring_runs")
    monitoring = models.ForeignKey(Monitoring, on_delete=models.CASCADE, related_name="runs")
    endpoint = models.ForeignKey(ModelEndpoint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    baseline_run = models.ForeignKey(EvalRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    job_id = models.BigIntegerField(null=True, blank=True)
    error = BoundedTextField(blank=True)
    metric = models.CharField(max_length=32, blank=True)
    n = models.PositiveIntegerField(null=True, blank=True, help_text="Items compared (in both runs)")
    value = models.FloatField(null=True, blank=True, help_text="Re-run minus baseline, on the same items")
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    alert = models.BooleanField(default=False, help_text="A drop beyond the interval (its upper bound below 0)")
    results = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Drift re-run {self.pk}"
