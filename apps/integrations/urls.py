"""Integration pages, mounted under ``pocs/<pk>/integrations/``."""

from django.urls import path

from apps.integrations import views

app_name = "integrations"
urlpatterns = [
    path("", views.index, name="index"),
    path("diagram.svg", views.diagram, name="diagram"),
    path("new/", views.integration_create, name="integration-create"),
    path("<int:integration_id>/", views.integration, name="integration"),
    path("<int:integration_id>/delete/", views.integration_delete, name="integration-delete"),
    path("concerns/new/", views.concern_create, name="concern-create"),
    path("concerns/<int:concern_id>/", views.concern, name="concern"),
    path("concerns/<int:concern_id>/delete/", views.concern_delete, name="concern-delete"),
]
