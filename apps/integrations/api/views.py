"""Integrations endpoints under ``/api/v1/pocs/{poc_pk}/``: integrations, production concerns, the
summary and the diagram.

Order of checks everywhere: the PoC must be visible (else 404), the row must belong to it
(else 404), a write must be allowed (else 403), and only then is the body read.
"""

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.response import Response

from apps.core.api import WRITE_RESPONSES
from apps.integrations import selectors, services
from apps.integrations.api import serializers as s
from apps.integrations.models import Integration, ProductionConcern
from apps.integrations.views import SVG_HEADERS
from apps.pocs import access
from apps.pocs.api.scoped import PoCScoped

VERSION_PARAM = OpenApiParameter(
    "version", int, OpenApiParameter.QUERY, required=False,
    description="The version you last read; when sent and stale, nothing is removed (409)",
)


def _version(request):
    version = request.query_params.get("version")
    if version is None and isinstance(request.data, dict):
        version = request.data.get("version")
    return version


class IntegrationList(PoCScoped):
    """The PoC's integrations, by system name; POST lists one (``system`` and ``direction`` required)."""

    @extend_schema(responses=s.IntegrationSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.IntegrationSerializer(selectors.integrations_for(self.get_poc()), many=True).data)

    @extend_schema(request=s.IntegrationCreateSerializer, responses={201: s.IntegrationSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data, _ = self.read_body(s.IntegrationCreateSerializer, request.data)
        row = services.integration_create(poc=poc, user=request.user, data=data)
        return Response(s.IntegrationSerializer(row).data, status=201)


class IntegrationDetail(PoCScoped):
    @extend_schema(responses=s.IntegrationSerializer)
    def get(self, request, poc_pk, integration_id):
        return Response(s.IntegrationSerializer(self.get_row(Integration, integration_id)).data)

    @extend_schema(request=s.IntegrationPatchSerializer, responses={200: s.IntegrationSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk, integration_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(Integration, integration_id, poc=poc)
        changes, version = self.read_body(s.IntegrationPatchSerializer, request.data)
        row = services.integration_update(integration=row, user=request.user, changes=changes, version=version)
        return Response(s.IntegrationSerializer(row).data)

    @extend_schema(parameters=[VERSION_PARAM], request=None, responses={204: None, **WRITE_RESPONSES})
    def delete(self, request, poc_pk, integration_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(Integration, integration_id, poc=poc)
        services.integration_delete(integration=row, user=request.user, version=_version(request))
        return Response(status=204)


class ConcernList(PoCScoped):
    """The PoC's production concerns (the seven seeded ones first); POST adds one (``concern`` required,
    ``custom`` with a ``name``)."""

    @extend_schema(responses=s.ConcernSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.ConcernSerializer(selectors.concerns_for(self.get_poc()), many=True).data)

    @extend_schema(request=s.ConcernCreateSerializer, responses={201: s.ConcernSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data, _ = self.read_body(s.ConcernCreateSerializer, request.data)
        row = services.concern_create(poc=poc, user=request.user, data=data)
        return Response(s.ConcernSerializer(row).data, status=201)


class ConcernDetail(PoCScoped):
    @extend_schema(responses=s.ConcernSerializer)
    def get(self, request, poc_pk, concern_id):
        return Response(s.ConcernSerializer(self.get_row(ProductionConcern, concern_id)).data)

    @extend_schema(request=s.ConcernPatchSerializer, responses={200: s.ConcernSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk, concern_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(ProductionConcern, concern_id, poc=poc)
        changes, version = self.read_body(s.ConcernPatchSerializer, request.data)
        row = services.concern_update(concern=row, user=request.user, changes=changes, version=version)
        return Response(s.ConcernSerializer(row).data)

    @extend_schema(
        parameters=[VERSION_PARAM], request=None,
        responses={204: None, **WRITE_RESPONSES},
        description="Removes an added concern; a seeded one answers 400 (mark it not applicable instead).",
    )
    def delete(self, request, poc_pk, concern_id):
        poc = self.get_poc(access.EDIT)
        row = self.get_row(ProductionConcern, concern_id, poc=poc)
        services.concern_delete(concern=row, user=request.user, version=_version(request))
        return Response(status=204)


class Summary(PoCScoped):
    """The totals and the "integration scoped" verdict the graduation criteria use."""

    @extend_schema(responses=s.SummarySerializer)
    def get(self, request, poc_pk):
        return Response(s.SummarySerializer(selectors.summary(self.get_poc())).data)


class AnyAccept(DefaultContentNegotiation):
    """The diagram is SVG whatever the caller accepts; errors are JSON."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class Diagram(PoCScoped):
    """The integration diagram drawn from the data, as an SVG document."""

    content_negotiation_class = AnyAccept

    @extend_schema(responses={(200, "image/svg+xml"): OpenApiResponse(OpenApiTypes.STR, description="The diagram")})
    def get(self, request, poc_pk):
        response = HttpResponse(selectors.diagram_svg(self.get_poc()), content_type="image/svg+xml")
        for name, value in SVG_HEADERS.items():
            response[name] = value
        return response
