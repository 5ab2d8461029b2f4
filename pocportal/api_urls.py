from django.urls import include, path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import MeView, TokenView
from apps.pocs.api.views import ActivityViewSet, MemberViewSet, PoCViewSet

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # one URL per resource, no ".json" twins
router.register("pocs", PoCViewSet, basename="poc")

members = MemberViewSet.as_view({"get": "list", "post": "create"})
member = MemberViewSet.as_view({"patch": "partial_update", "delete": "destroy"})
activity = ActivityViewSet.as_view({"get": "list"})

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("users/me/", MeView.as_view(), name="me"),
    path("pocs/<int:poc_pk>/members/", members, name="poc-members"),
    path("pocs/<int:poc_pk>/members/<int:pk>/", member, name="poc-member"),
    path("pocs/<int:poc_pk>/activity/", activity, name="poc-activity"),
    path("pocs/<int:poc_pk>/", include("apps.checklists.api.urls")),
    *router.urls,
]
