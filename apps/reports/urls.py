"""Report pages, mounted under ``pocs/<pk>/report/``."""

from django.urls import path

from apps.reports import views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("verify/", views.verify, name="verify"),
    path("<int:report_id>/", views.status, name="status"),
    path("<int:report_id>/download/", views.download, name="download"),
]
