"""Evaluation pages, mounted under ``pocs/<pk>/evaluations/``."""

from django.urls import path

from apps.evaluations import live_views, views

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
    # Live runs: a dataset's items, the model endpoints, starting and cancelling a run.
    path("datasets/<int:dataset_id>/items/", live_views.item_create, name="item-create"),
    path("datasets/<int:dataset_id>/items/import/", live_views.items_import, name="items-import"),
    path("datasets/<int:dataset_id>/items/<int:dataset_item_id>/", live_views.item, name="item"),
    path("datasets/<int:dataset_id>/items/<int:dataset_item_id>/delete/", live_views.item_delete, name="item-delete"),
    path("endpoints/", live_views.endpoint_create, name="endpoint-create"),
    path("endpoints/<int:endpoint_id>/", live_views.endpoint, name="endpoint"),
    path("endpoints/<int:endpoint_id>/delete/", live_views.endpoint_delete, name="endpoint-delete"),
    path("live-runs/", live_views.live_run_create, name="live-run-create"),
    path("runs/<int:run_id>/cancel/", live_views.run_cancel, name="run-cancel"),
    path("load-tests/", live_views.load_test_create, name="load-test-create"),
    path("load-tests/<int:load_test_id>/", live_views.load_test, name="load-test"),
    path("load-tests/<int:load_test_id>/answer/", live_views.load_test_answer, name="load-test-answer"),
    path("load-tests/suggest/", live_views.load_test_suggest, name="load-test-suggest"),
    path("load-tests/<int:load_test_id>/cancel/", live_views.load_test_cancel, name="load-test-cancel"),
    path("monitoring/", live_views.monitoring, name="monitoring"),
]
