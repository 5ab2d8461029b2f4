"""Report endpoints under ``/api/v1/pocs/{poc_pk}/``: ``reports/`` (POST: export), ``reports/{id}/``
(status), ``reports/{id}/download/`` (the PDF) and ``verify-report/`` (POST multipart ``file``).

Every endpoint needs only ``view`` on the PoC: anyone who may read it may export and verify its
report; an outsider gets 404.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from apps.pocs.api.scoped import PoCScoped
from apps.reports import selectors, services
from apps.reports.api import serializers as s
from apps.reports.views import MAX_VERIFY_BYTES, pdf_response


class Reports(PoCScoped):
    """Export the PoC's report: a background job (or, for a decided PoC, the signed report at once)."""

    @extend_schema(request=None, responses={202: s.ReportExportSerializer})
    def post(self, request, poc_pk):
        poc = self.get_poc()
        report = services.report_request(poc=poc, user=request.user)
        body = selectors.report_body(selectors.report_of(poc, report.pk))
        return Response(body, status=status.HTTP_202_ACCEPTED)


def _report(view, poc, pk):
    report = selectors.report_of(poc, pk)
    if report is None:
        raise Http404("No such report.")
    return report


class ReportDetail(PoCScoped):
    """An export's status: queued, running, done (with the PDF's hash and where to download it) or
    failed (with ``error``)."""

    @extend_schema(responses=s.ReportExportSerializer)
    def get(self, request, poc_pk, pk):
        poc = self.get_poc()
        return Response(selectors.report_body(_report(self, poc, pk)))


class ReportDownload(PoCScoped):
    """The PDF (``application/pdf``, as an attachment); 404 until the report is done."""

    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, 404: OpenApiResponse(description="Not ready")}
    )
    def get(self, request, poc_pk, pk):
        poc = self.get_poc()
        return pdf_response(poc, _report(self, poc, pk))


class VerifyReport(PoCScoped):
    """Is the uploaded PDF the signed report of this PoC? Its SHA-256 against the one stored at signing."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request={"multipart/form-data": s.ReportVerifyRequestSerializer}, responses=s.ReportVerifySerializer)
    def post(self, request, poc_pk):
        poc = self.get_poc()
        upload = request.FILES.get("file")
        if upload is None:
            return Response(
                {"detail": "file: send the PDF as a multipart field named file.", "file": ["This field is required."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        if upload.size > MAX_VERIFY_BYTES:
            return Response(
                {"detail": "file: the file is too large.", "file": ["The file is too large."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return Response(selectors.verify(poc, upload.chunks()))
