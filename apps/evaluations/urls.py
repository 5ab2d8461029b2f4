"""Evaluation pages, mounted under ``pocs/<pk>/evaluations/``."""

from django.urls import path

from apps.evaluations import views

app_name = "evaluations"
urlpatterns = [
    path("", views.index, name="index"),
    path("targets/", views.targets, name="targets"),
    path("compare/", views.compare, name="compare"),
    path("datasets/", views.dataset_create, name="dataset-create"),
    path("datasets/<int:dataset_id>/", views.dataset, name="dataset"),
    path("model-versions/", views.model_version_create, name="model-version-create"),
    path("model-versions/<int:model_version_id>/", views.model_version, name="model-version"),
    path("runs/", views.run_create, name="run-create"),
    path("runs/<int:run_id>/", views.run, name="run"),
    path("runs/<int:run_id>/status/", views.run_status, name="run-status"),
    path("runs/<int:run_id>/recompute/", views.run_recompute, name="run-recompute"),
    path("runs/<int:run_id>/answer/", views.run_answer, name="run-answer"),
    path("runs/<int:run_id>/file/", views.run_file, name="run-file"),
]
