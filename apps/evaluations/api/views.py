"""Evaluations endpoints under ``/api/v1/pocs/{poc_pk}/``: datasets, model versions, runs.

Order of checks everywhere: the PoC must be visible (else 404), the row must belong to it
(else 404), a write must be allowed (else 403), and only then is the body read.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.core.api import WRITE_RESPONSES
from apps.core.errors import ValidationFailed
from apps.core.uploads import install_size_limit
from apps.evaluations import selectors, services
from apps.evaluations.api import serializers as s
from apps.evaluations.models import Dataset, DatasetItem, EvalRun, LoadTest, ModelEndpoint, ModelVersion, Targets
from apps.pocs import access
from apps.pocs.api.scoped import PoCScoped


class DatasetList(PoCScoped):
    """The PoC's datasets; POST registers one (``name`` and ``kind`` required)."""

    @extend_schema(responses=s.DatasetSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.DatasetSerializer(selectors.datasets_for(self.get_poc()), many=True).data)

    @extend_schema(request=s.DatasetCreateSerializer, responses={201: s.DatasetSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data, _ = self.read_body(s.DatasetCreateSerializer, request.data)
        return Response(s.DatasetSerializer(services.dataset_create(poc=poc, user=request.user, data=data)).data,
                        status=201)


class DatasetDetail(PoCScoped):
    @extend_schema(responses=s.DatasetSerializer)
    def get(self, request, poc_pk, dataset_id):
        return Response(s.DatasetSerializer(self.get_row(Dataset, dataset_id)).data)

    @extend_schema(request=s.DatasetPatchSerializer, responses={200: s.DatasetSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk, dataset_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(Dataset, dataset_id, poc=poc)
        changes, version = self.read_body(s.DatasetPatchSerializer, request.data)
        version = row.version if version is None else version  # optional here: last write wins
        row = services.dataset_update(dataset=row, user=request.user, changes=changes, version=version)
        return Response(s.DatasetSerializer(row).data)


class ModelVersionList(PoCScoped):
    """The PoC's model versions; POST registers one (``name`` required)."""

    @extend_schema(responses=s.ModelVersionSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.ModelVersionSerializer(selectors.model_versions_for(self.get_poc()), many=True).data)

    @extend_schema(
        request=s.ModelVersionCreateSerializer, responses={201: s.ModelVersionSerializer, **WRITE_RESPONSES}
    )
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data, _ = self.read_body(s.ModelVersionCreateSerializer, request.data)
        row = services.model_version_create(poc=poc, user=request.user, data=data)
        return Response(s.ModelVersionSerializer(row).data, status=201)


class ModelVersionDetail(PoCScoped):
    @extend_schema(responses=s.ModelVersionSerializer)
    def get(self, request, poc_pk, model_version_id):
        return Response(s.ModelVersionSerializer(self.get_row(ModelVersion, model_version_id)).data)

    @extend_schema(
        request=s.ModelVersionPatchSerializer, responses={200: s.ModelVersionSerializer, **WRITE_RESPONSES}
    )
    def patch(self, request, poc_pk, model_version_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(ModelVersion, model_version_id, poc=poc)
        body = s.ModelVersionPatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        version = changes.pop("row_version", row.version)  # the lock (optional); "version" is the model's label
        row = services.model_version_update(model_version=row, user=request.user, changes=changes, version=version)
        return Response(s.ModelVersionSerializer(row).data)


class EvalRunList(PoCScoped):
    """The PoC's evaluation runs, newest first; POST uploads a results file (multipart) and queues its job."""

    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # Before anything reads the body, so an oversized file is refused while it streams in.
            install_size_limit(request._request, services.upload_limit())
        super().initial(request, *args, **kwargs)

    @extend_schema(responses=s.EvalRunSerializer(many=True))
    def get(self, request, poc_pk):
        poc = self.get_poc()
        runs = selectors.with_jobs(list(selectors.runs_for(poc).defer(None)))
        targets = Targets.objects.filter(poc_id=poc.pk).first()
        return Response([selectors.run_detail(run, targets) for run in runs])

    @extend_schema(request=s.EvalRunUploadSerializer, responses={202: s.EvalRunSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data = request.data  # parses the body
        if getattr(request._request, "upload_too_large", False):
            raise ValidationFailed(services.too_big_message(), errors={"file": [services.too_big_message()]})
        body, _ = self.read_body(s.EvalRunUploadSerializer, data)
        upload = body.pop("file")
        run = services.eval_run_create(poc=poc, user=request.user, upload=upload, **body)
        run.refresh_from_db()
        return Response(selectors.run_detail(run), status=202)


class EvalRunDetail(PoCScoped):
    @extend_schema(responses=s.EvalRunSerializer)
    def get(self, request, poc_pk, run_id):
        return Response(selectors.run_detail(self.get_row(EvalRun, run_id)))


class EvalRunRecompute(PoCScoped):
    """Compute the run again from its kept file (optional ``resamples``, ``seed``; default: the run's)."""

    @extend_schema(request=s.RecomputeSerializer, responses={200: s.EvalRunSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk, run_id):
        poc = self.get_poc(access.EDIT)
        run = self.get_row(EvalRun, run_id, poc=poc)
        body, _ = self.read_body(s.RecomputeSerializer, request.data)
        run = services.eval_run_recompute(run=run, user=request.user, **body)
        run.refresh_from_db()
        return Response(selectors.run_detail(run))


def _target_changes(body: dict) -> dict:
    """The API's nested ``quality`` / ``latency`` parts as the model's columns (null clears a part)."""
    changes = {}
    if "quality" in body:
        quality = body["quality"] or {}
        changes.update(quality_metric=quality.get("metric", ""), quality_threshold=quality.get("threshold"),
                       quality_basis=quality.get("basis") or Targets.Basis.CI_LOW)
    if "latency" in body:
        latency = body["latency"] or {}
        changes.update(latency_percentile=latency.get("percentile", ""), latency_max_ms=latency.get("max_ms"),
                       min_throughput_per_s=latency.get("min_throughput_per_s"))
    return changes


class TargetsView(PoCScoped):
    """The PoC's quality and latency targets (either part null when not set)."""

    @extend_schema(responses=s.TargetsSerializer)
    def get(self, request, poc_pk):
        poc = self.get_poc()
        return Response(selectors.targets_body(Targets.objects.filter(poc_id=poc.pk).first()))

    @extend_schema(request=s.TargetsSerializer, responses={200: s.TargetsSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        body, version = self.read_body(s.TargetsSerializer, request.data)
        row = selectors.targets_for(poc)
        version = row.version if version is None else version  # optional here: last write wins
        row = services.targets_update(poc=poc, user=request.user, changes=_target_changes(body), version=version)
        return Response(selectors.targets_body(row))


def _ids(request, name: str) -> list[str]:
    values = []
    for value in request.query_params.getlist(name):
        values += [v for v in value.split(",") if v.strip()]
    for value in values:
        if not value.strip().isdigit():
            raise ValidationFailed(f"{name}: enter whole numbers.", errors={name: ["Enter whole numbers."]})
    return values


class Leaderboard(PoCScoped):
    """Model versions on the standard dataset (or ``?dataset=``), best first, for ``?metric=`` (default: the
    quality target's). ``?model_version=`` (repeated or comma-separated) limits the comparison."""

    @extend_schema(responses=s.LeaderboardSerializer)
    def get(self, request, poc_pk):
        poc = self.get_poc()
        board = selectors.leaderboard(
            poc, metric=request.query_params.get("metric"), dataset_id=request.query_params.get("dataset"),
            model_version_ids=_ids(request, "model_version"),
        )
        return Response(board)


class QualityGap(PoCScoped):
    """Per model version evaluated on both a curated and a production sample: both values, the difference
    with its interval, and ``warning`` when production is lower beyond the intervals."""

    @extend_schema(responses=s.QualityGapSerializer)
    def get(self, request, poc_pk):
        return Response(selectors.quality_gap(self.get_poc(), metric=request.query_params.get("metric")))


class DatasetItems(PoCScoped):
    """The dataset's items, paginated (``?page=``); POST a CSV or JSONL file (multipart ``file``: id, input,
    label, optional segment) to replace them all."""

    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            install_size_limit(request._request, services.upload_limit())
        super().initial(request, *args, **kwargs)

    @extend_schema(responses=s.DatasetItemSerializer(many=True))
    def get(self, request, poc_pk, dataset_id):
        dataset = self.get_row(Dataset, dataset_id)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(DatasetItem.objects.filter(dataset=dataset).order_by("id"), request, self)
        return paginator.get_paginated_response(s.DatasetItemSerializer(page, many=True).data)

    @extend_schema(request=s.ItemsUploadSerializer, responses={200: s.ItemsCountSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk, dataset_id):
        poc = self.get_poc(access.EDIT)
        dataset = self.get_row(Dataset, dataset_id, poc=poc)
        data = request.data
        if getattr(request._request, "upload_too_large", False):
            raise ValidationFailed(services.too_big_message(), errors={"file": [services.too_big_message()]})
        body, _ = self.read_body(s.ItemsUploadSerializer, data)
        return Response({"count": services.dataset_items_replace(dataset=dataset, user=request.user,
                                                                 upload=body["file"])})


class ModelEndpointList(PoCScoped):
    """The PoC's model endpoints; POST registers one (its URL's host must be in MODEL_ENDPOINT_ALLOWED_HOSTS)."""

    @extend_schema(responses=s.ModelEndpointSerializer(many=True))
    def get(self, request, poc_pk):
        rows = ModelEndpoint.objects.filter(poc=self.get_poc()).order_by("name", "id")
        return Response(s.ModelEndpointSerializer(rows, many=True).data)

    @extend_schema(request=s.ModelEndpointCreateSerializer,
                   responses={201: s.ModelEndpointSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data, _ = self.read_body(s.ModelEndpointCreateSerializer, request.data)
        row = services.model_endpoint_create(poc=poc, user=request.user, data=data)
        return Response(s.ModelEndpointSerializer(row).data, status=201)


class ModelEndpointDetail(PoCScoped):
    @extend_schema(responses=s.ModelEndpointSerializer)
    def get(self, request, poc_pk, endpoint_id):
        return Response(s.ModelEndpointSerializer(self.get_row(ModelEndpoint, endpoint_id)).data)

    @extend_schema(request=s.ModelEndpointPatchSerializer,
                   responses={200: s.ModelEndpointSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk, endpoint_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(ModelEndpoint, endpoint_id, poc=poc)
        changes, version = self.read_body(s.ModelEndpointPatchSerializer, request.data)
        version = row.version if version is None else version  # optional here: last write wins
        row = services.model_endpoint_update(endpoint=row, user=request.user, changes=changes, version=version)
        return Response(s.ModelEndpointSerializer(row).data)

    @extend_schema(responses={204: None, **WRITE_RESPONSES})
    def delete(self, request, poc_pk, endpoint_id):
        poc = self.get_poc(access.EDIT)
        services.model_endpoint_delete(endpoint=self.get_row(ModelEndpoint, endpoint_id, poc=poc), user=request.user)
        return Response(status=204)


class HarnessRunList(PoCScoped):
    """Start a live run: call ``endpoint`` over ``dataset``'s items (202; read it at ``eval-runs/{id}/``)."""

    @extend_schema(request=s.HarnessRunSerializer, responses={202: s.EvalRunSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        body, _ = self.read_body(s.HarnessRunSerializer, request.data)
        run = services.harness_run_create(poc=poc, user=request.user, **body)
        run.refresh_from_db()
        return Response(selectors.run_detail(run), status=202)


class EvalRunCancel(PoCScoped):
    """Cancel a live run: no new call starts within a second; the answered items are computed and kept."""

    @extend_schema(request=None, responses={200: s.EvalRunSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk, run_id):
        poc = self.get_poc(access.EDIT)
        run = services.harness_run_cancel(run=self.get_row(EvalRun, run_id, poc=poc), user=request.user)
        return Response(selectors.run_detail(run))


class LoadTestList(PoCScoped):
    """The PoC's load tests, newest first; POST starts one (202; read it at ``load-tests/{id}/``)."""

    @extend_schema(responses=s.LoadTestSerializer(many=True))
    def get(self, request, poc_pk):
        return Response([selectors.load_test_body(t) for t in selectors.load_tests_for(self.get_poc())])

    @extend_schema(request=s.LoadTestCreateSerializer, responses={202: s.LoadTestSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        body, _ = self.read_body(s.LoadTestCreateSerializer, request.data)
        test = services.load_test_create(poc=poc, user=request.user, **body)
        test.refresh_from_db()
        return Response(selectors.load_test_body(test), status=202)


class LoadTestDetail(PoCScoped):
    @extend_schema(responses=s.LoadTestSerializer)
    def get(self, request, poc_pk, load_test_id):
        return Response(selectors.load_test_body(self.get_row(LoadTest, load_test_id)))


class LoadTestCancel(PoCScoped):
    """Cancel a load test: no new request starts within a quarter of a second; the rates measured are kept."""

    @extend_schema(request=None, responses={200: s.LoadTestSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk, load_test_id):
        poc = self.get_poc(access.EDIT)
        test = services.load_test_cancel(load_test=self.get_row(LoadTest, load_test_id, poc=poc), user=request.user)
        return Response(selectors.load_test_body(test))


class MonitoringView(PoCScoped):
    """Drift watch after a go: re-runs of the standard dataset on a schedule, compared with the run the decision
    was signed on. PATCH (``edit_ops_items``: the production owner, the lead, contributors, admins) only on a
    PoC decided with a go."""

    @extend_schema(responses=s.MonitoringSerializer)
    def get(self, request, poc_pk):
        return Response(selectors.monitoring_body(self.get_poc()))

    @extend_schema(request=s.MonitoringSerializer, responses={200: s.MonitoringSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk):
        poc = self.get_poc(access.EDIT_OPS_ITEMS)
        body, version = self.read_body(s.MonitoringSerializer, request.data)
        services.monitoring_update(poc=poc, user=request.user, changes=body, version=version)
        return Response(selectors.monitoring_body(poc))
