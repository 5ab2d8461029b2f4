from django.urls import path

from apps.notifications import views

app_name = "notifications"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/read/", views.mark_read, name="read"),
    path("mutes/", views.mutes, name="mutes"),
]
