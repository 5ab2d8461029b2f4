from django.urls import path

from apps.costs.api import views

urlpatterns = [
    path("cost-model/", views.CostModelDetail.as_view(), name="poc-cost-model"),
    path("cost-model/lines/", views.CostLineList.as_view(), name="poc-cost-lines"),
    path("cost-model/lines/<int:line_id>/", views.CostLineDetail.as_view(), name="poc-cost-line"),
]
