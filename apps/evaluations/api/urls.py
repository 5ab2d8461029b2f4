from django.urls import path

from apps.evaluations.api import views

urlpatterns = [
    path("datasets/", views.DatasetList.as_view(), name="poc-datasets"),
    path("datasets/<int:dataset_id>/", views.DatasetDetail.as_view(), name="poc-dataset"),
    path("model-versions/", views.ModelVersionList.as_view(), name="poc-model-versions"),
    path("model-versions/<int:model_version_id>/", views.ModelVersionDetail.as_view(), name="poc-model-version"),
    path("eval-runs/", views.EvalRunList.as_view(), name="poc-eval-runs"),
    path("eval-runs/<int:run_id>/", views.EvalRunDetail.as_view(), name="poc-eval-run"),
    path("targets/", views.TargetsView.as_view(), name="poc-targets"),
    path("leaderboard/", views.Leaderboard.as_view(), name="poc-leaderboard"),
    path("quality-gap/", views.QualityGap.as_view(), name="poc-quality-gap"),
    path("eval-runs/<int:run_id>/recompute/", views.EvalRunRecompute.as_view(), name="poc-eval-run-recompute"),
    path("datasets/<int:dataset_id>/items/", views.DatasetItems.as_view(), name="poc-dataset-items"),
    path("model-endpoints/", views.ModelEndpointList.as_view(), name="poc-model-endpoints"),
    path("model-endpoints/<int:endpoint_id>/", views.ModelEndpointDetail.as_view(), name="poc-model-endpoint"),
    path("harness-runs/", views.HarnessRunList.as_view(), name="poc-harness-runs"),
    path("eval-runs/<int:run_id>/cancel/", views.EvalRunCancel.as_view(), name="poc-eval-run-cancel"),
    path("load-tests/", views.LoadTestList.as_view(), name="poc-load-tests"),
    path("load-tests/<int:load_test_id>/", views.LoadTestDetail.as_view(), name="poc-load-test"),
    path("load-tests/<int:load_test_id>/cancel/", views.LoadTestCancel.as_view(), name="poc-load-test-cancel"),
    path("monitoring/", views.MonitoringView.as_view(), name="poc-monitoring"),
]
