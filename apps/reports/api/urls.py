"""API routes, mounted by ``pocportal/api_urls.py`` under ``pocs/<poc_pk>/`` in the ``api`` namespace."""

from django.urls import path

from apps.reports.api import views

urlpatterns = [
    path("reports/", views.Reports.as_view(), name="poc-reports"),
    path("reports/<int:pk>/", views.ReportDetail.as_view(), name="poc-report"),
    path("reports/<int:pk>/download/", views.ReportDownload.as_view(), name="poc-report-download"),
    path("verify-report/", views.VerifyReport.as_view(), name="poc-verify-report"),
]
