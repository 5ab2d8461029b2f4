"""Graduation pages, mounted under ``pocs/<pk>/graduation/``."""

from django.urls import path

from apps.decisions import views

app_name = "decisions"
urlpatterns = [
    path("", views.index, name="index"),
    path("badge/", views.badge, name="badge"),
    path("request/", views.request_decision, name="request"),
    path("decision/", views.sign, name="sign"),
    path("verify/", views.verify, name="verify"),
]
