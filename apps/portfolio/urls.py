from django.urls import path

from apps.portfolio import views

app_name = "portfolio"
urlpatterns = [
    path("", views.portfolio, name="index"),
    path("export.csv", views.portfolio_csv, name="csv"),
]
