"""Kickoff pages, mounted under ``pocs/<pk>/kickoff/``."""

from django.urls import path

from apps.checklists import views

app_name = "checklists"
urlpatterns = [
    path("", views.kickoff, name="kickoff"),
    path("items/<int:item_id>/", views.kickoff_item, name="item"),
    path("items/<int:item_id>/evidence/", views.item_evidence, name="item-evidence"),
    path("validations/<int:validation_id>/", views.validation, name="validation"),
    path("acknowledgements/<int:acknowledgement_id>/", views.acknowledgement, name="acknowledgement"),
    path("business-case/", views.business_case, name="business-case"),
]
