"""API routes, mounted by ``pocportal/api_urls.py`` under ``pocs/<poc_pk>/`` in the ``api`` namespace."""

from django.urls import path

from apps.decisions.api import views

urlpatterns = [
    path("criteria/", views.Criteria.as_view(), name="poc-criteria"),
    path("decision/", views.DecisionDetail.as_view(), name="poc-decision"),
    path("decision/request/", views.DecisionRequest.as_view(), name="poc-decision-request"),
    path("decision/sign/", views.DecisionSign.as_view(), name="poc-decision-sign"),
    path("decision/verify/", views.DecisionVerify.as_view(), name="poc-decision-verify"),
]
