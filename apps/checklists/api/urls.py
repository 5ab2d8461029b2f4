"""API routes, mounted by ``pocportal/api_urls.py`` under ``pocs/<poc_pk>/`` in the ``api`` namespace."""

from django.urls import path

from apps.checklists.api import views

urlpatterns = [
    path("checklist/", views.ChecklistList.as_view(), name="poc-checklist"),
    path("checklist/<int:item_id>/", views.ChecklistItemDetail.as_view(), name="poc-checklist-item"),
    path("checklist/<int:item_id>/evidence/", views.ChecklistItemEvidence.as_view(), name="poc-checklist-evidence"),
    path("validations/", views.ValidationList.as_view(), name="poc-validations"),
    path("validations/<int:validation_id>/", views.ValidationDetail.as_view(), name="poc-validation"),
    path("acknowledgements/", views.AcknowledgementList.as_view(), name="poc-acknowledgements"),
    path("acknowledgements/<int:acknowledgement_id>/", views.AcknowledgementDetail.as_view(),
         name="poc-acknowledgement"),
    path("business-case/", views.BusinessCaseDetail.as_view(), name="poc-business-case"),
    path("stall-risk/", views.StallRiskList.as_view(), name="poc-stall-risk"),
]
