"""Kickoff endpoints under ``/api/v1/pocs/{poc_pk}/``. Bounded collections answer plain lists.

Order of checks everywhere: the PoC must be visible (else 404), the row must belong to it
(else 404), a write must be allowed (else 403), and only then is the body read.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.checklists import permissions, selectors, services, uploads
from apps.checklists.api import serializers as s
from apps.checklists.models import Acknowledgement, BusinessCase, ChecklistItem, ValidationQuestion
from apps.checklists.views.evidence import evidence_response
from apps.core.api import WRITE_RESPONSES
from apps.core.errors import ValidationFailed
from apps.pocs.api.scoped import PoCScoped


class ChecklistList(PoCScoped):
    """The PoC's kickoff checklist, in order (reason 1–5, then position)."""

    @extend_schema(responses=s.ChecklistItemSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.ChecklistItemSerializer(selectors.checklist_items(self.get_poc()), many=True).data)


class ChecklistItemDetail(PoCScoped):
    @extend_schema(responses=s.ChecklistItemSerializer)
    def get(self, request, poc_pk, item_id):
        return Response(s.ChecklistItemSerializer(self.get_row(ChecklistItem, item_id)).data)

    @extend_schema(
        request=s.ChecklistItemPatchSerializer, responses={200: s.ChecklistItemSerializer, **WRITE_RESPONSES}
    )
    def patch(self, request, poc_pk, item_id):
        item = self.get_row(ChecklistItem, item_id)
        permissions.check_item(item.poc, request.user, item.reason)
        changes, version = self.read_body(s.ChecklistItemPatchSerializer, request.data)
        item = services.checklist_item_update(item=item, user=request.user, changes=changes, version=version)
        return Response(s.ChecklistItemSerializer(item).data)


class ChecklistItemEvidence(PoCScoped):
    """GET downloads the evidence file (as an attachment); POST uploads one (multipart ``file`` + ``version``)."""

    parser_classes = [MultiPartParser, FormParser]

    def initial(self, request, *args, **kwargs):
        if request.method == "POST":
            # Before anything reads the body, so an oversized file is refused while it streams in.
            uploads.install_size_limit(request._request)
        super().initial(request, *args, **kwargs)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="The file")})
    def get(self, request, poc_pk, item_id):
        return evidence_response(self.get_row(ChecklistItem, item_id))

    @extend_schema(request=s.EvidenceUploadSerializer, responses={200: s.ChecklistItemSerializer, **WRITE_RESPONSES})
    def post(self, request, poc_pk, item_id):
        item = self.get_row(ChecklistItem, item_id)
        permissions.check_item(item.poc, request.user, item.reason)
        data = request.data  # parses the body
        if getattr(request._request, "upload_too_large", False):
            raise ValidationFailed(uploads.too_big_message(), errors={"file": [uploads.too_big_message()]})
        changes, version = self.read_body(s.EvidenceUploadSerializer, data)
        item = services.checklist_item_attach_evidence(
            item=item, user=request.user, upload=changes["file"], version=version
        )
        return Response(s.ChecklistItemSerializer(item).data)


class ValidationList(PoCScoped):
    """The four validation questions, in order."""

    @extend_schema(responses=s.ValidationSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.ValidationSerializer(selectors.validations(self.get_poc()), many=True).data)


class ValidationDetail(PoCScoped):
    @extend_schema(responses=s.ValidationSerializer)
    def get(self, request, poc_pk, validation_id):
        return Response(s.ValidationSerializer(self.get_row(ValidationQuestion, validation_id)).data)

    @extend_schema(request=s.ValidationPatchSerializer, responses={200: s.ValidationSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk, validation_id):
        row = self.get_row(ValidationQuestion, validation_id)
        permissions.check_edit(row.poc, request.user)
        changes, version = self.read_body(s.ValidationPatchSerializer, request.data)
        row = services.validation_update(validation=row, user=request.user, changes=changes, version=version)
        return Response(s.ValidationSerializer(row).data)


class AcknowledgementList(PoCScoped):
    """The five things the PoC cannot tell, each acknowledged (or not) with where it is answered instead."""

    @extend_schema(responses=s.AcknowledgementSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.AcknowledgementSerializer(selectors.acknowledgements(self.get_poc()), many=True).data)


class AcknowledgementDetail(PoCScoped):
    @extend_schema(responses=s.AcknowledgementSerializer)
    def get(self, request, poc_pk, acknowledgement_id):
        return Response(s.AcknowledgementSerializer(self.get_row(Acknowledgement, acknowledgement_id)).data)

    @extend_schema(
        request=s.AcknowledgementPatchSerializer, responses={200: s.AcknowledgementSerializer, **WRITE_RESPONSES}
    )
    def patch(self, request, poc_pk, acknowledgement_id):
        row = self.get_row(Acknowledgement, acknowledgement_id)
        permissions.check_edit(row.poc, request.user)
        changes, version = self.read_body(s.AcknowledgementPatchSerializer, request.data)
        row = services.acknowledgement_update(acknowledgement=row, user=request.user, changes=changes, version=version)
        return Response(s.AcknowledgementSerializer(row).data)


class BusinessCaseDetail(PoCScoped):
    """The value hypothesis and the production economics that make the PoC worth deploying."""

    def case(self):
        poc = self.get_poc()
        case = get_object_or_404(BusinessCase, poc=poc)
        case.poc = poc
        return case

    @extend_schema(responses=s.BusinessCaseSerializer)
    def get(self, request, poc_pk):
        return Response(s.BusinessCaseSerializer(self.case()).data)

    @extend_schema(request=s.BusinessCasePatchSerializer, responses={200: s.BusinessCaseSerializer, **WRITE_RESPONSES})
    def patch(self, request, poc_pk):
        case = self.case()
        permissions.check_edit(case.poc, request.user)
        changes, version = self.read_body(s.BusinessCasePatchSerializer, request.data)
        case = services.business_case_update(business_case=case, user=request.user, changes=changes, version=version)
        return Response(s.BusinessCaseSerializer(case).data)


class StallRiskList(PoCScoped):
    """Five rows, one per stall reason: level (low / medium / high), why, and what fixes it."""

    @extend_schema(responses=s.StallRiskSerializer(many=True))
    def get(self, request, poc_pk):
        return Response(s.StallRiskSerializer(selectors.stall_risk(self.get_poc()), many=True).data)
