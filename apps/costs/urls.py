"""Cost pages, mounted under ``pocs/<pk>/costs/``."""

from django.urls import path

from apps.costs import views

app_name = "costs"
urlpatterns = [
    path("", views.index, name="index"),
    path("baseline/", views.baseline, name="baseline"),
    path("results/", views.results, name="results"),
    path("recompute/", views.recompute, name="recompute"),
    path("lines/", views.line_add, name="line-add"),
    path("lines/<int:line_id>/", views.line, name="line"),
    path("lines/<int:line_id>/delete/", views.line_delete, name="line-delete"),
]
