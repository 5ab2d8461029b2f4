"""API routes, mounted by ``pocportal/api_urls.py`` under ``pocs/<poc_pk>/`` in the ``api`` namespace."""

from django.urls import path

from apps.integrations.api import views

urlpatterns = [
    path("integrations/", views.IntegrationList.as_view(), name="poc-integrations"),
    path("integrations/summary/", views.Summary.as_view(), name="poc-integrations-summary"),
    path("integrations/diagram.svg", views.Diagram.as_view(), name="poc-integrations-diagram"),
    path("integrations/<int:integration_id>/", views.IntegrationDetail.as_view(), name="poc-integration"),
    path("production-concerns/", views.ConcernList.as_view(), name="poc-production-concerns"),
    path("production-concerns/<int:concern_id>/", views.ConcernDetail.as_view(), name="poc-production-concern"),
]
