"""Costs endpoints under ``/api/v1/pocs/{poc_pk}/``: the cost model and its lines.

Order of checks everywhere: the PoC must be visible (else 404), the row must belong to it
(else 404), a write must be allowed (else 403), and only then is the body read.
"""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core.api import WRITE_RESPONSES
from apps.costs import selectors, services
from apps.costs.api import serializers as s
from apps.costs.models import CostLine
from apps.pocs import access
from apps.pocs.api.scoped import PoCScoped


def _body(poc) -> dict:
    return selectors.cost_model_body(selectors.cost_model_state(poc))


class CostModelDetail(PoCScoped):
    """The PoC's production cost model: baseline, scales, value side (the business case's) and results.

    PATCH needs no version: the cost model and the business case are written under a row lock,
    the last write wins, each change audited; any PATCH (an empty one too) queues a recompute.
    """

    @extend_schema(responses=s.CostModelSerializer)
    def get(self, request, poc_pk):
        return Response(_body(self.get_poc()))

    @extend_schema(request=s.CostModelPatchSerializer, responses={200: s.CostModelSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        changes, _ = self.read_body(s.CostModelPatchSerializer, request.data)
        services.cost_model_update(poc=poc, user=request.user, changes=changes)
        return Response(_body(poc))


class CostLineList(PoCScoped):
    """The PoC's cost lines; POST adds one."""

    @extend_schema(responses=s.CostLineSerializer(many=True))
    def get(self, request, poc_pk):
        return Response([selectors.line_body(line) for line in selectors.lines_for(self.get_poc())])

    @extend_schema(request=s.CostLineCreateSerializer, responses={201: s.CostLineSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk):
        poc = self.get_poc(access.EDIT)
        data, _ = self.read_body(s.CostLineCreateSerializer, request.data)
        line = services.cost_line_create(poc=poc, user=request.user, data=data)
        return Response(selectors.line_body(line), status=201)


class CostLineDetail(PoCScoped):
    @extend_schema(responses=s.CostLineSerializer)
    def get(self, request, poc_pk, line_id):
        return Response(selectors.line_body(self.get_row(CostLine, line_id)))

    @extend_schema(request=s.CostLinePatchSerializer, responses={200: s.CostLineSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk, line_id):
        poc = self.get_poc(access.EDIT)
        line = self.get_row(CostLine, line_id, poc=poc)
        changes, version = self.read_body(s.CostLinePatchSerializer, request.data)
        line = services.cost_line_update(line=line, user=request.user, changes=changes, version=version)
        return Response(selectors.line_body(line))

    @extend_schema(responses={204: None})
    def delete(self, request, poc_pk, line_id):
        poc = self.get_poc(access.EDIT)
        line = self.get_row(CostLine, line_id, poc=poc)
        services.cost_line_delete(line=line, user=request.user)
        return Response(status=204)
