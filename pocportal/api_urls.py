from django.urls import include, path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import MeView, TokenDetailView, TokenListView, TokenView
from apps.notifications.api.views import NotificationListView, NotificationReadView
from apps.pocs.api.views import ActivityViewSet, MemberViewSet, PoCViewSet
from apps.portfolio.api.views import PortfolioView

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.include_format_suffixes = False  # one URL per resource, no ".json" twins
router.register("pocs", PoCViewSet, basename="poc")

members = MemberViewSet.as_view({"get": "list", "post": "create"})
member = MemberViewSet.as_view({"patch": "partial_update", "delete": "destroy"})
activity = ActivityViewSet.as_view({"get": "list"})
activity_event = ActivityViewSet.as_view({"get": "retrieve"})

app_name = "api"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/tokens/", TokenListView.as_view(), name="tokens"),
    path("auth/tokens/<int:pk>/", TokenDetailView.as_view(), name="token-detail"),
    path("users/me/", MeView.as_view(), name="me"),
    path("notifications/", NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/read/", NotificationReadView.as_view(), name="notification-read"),
    path("portfolio/", PortfolioView.as_view(), name="portfolio"),
    path("pocs/<int:poc_pk>/members/", members, name="poc-members"),
    path("pocs/<int:poc_pk>/members/<int:pk>/", member, name="poc-member"),
    path("pocs/<int:poc_pk>/activity/", activity, name="poc-activity"),
    path("pocs/<int:poc_pk>/activity/<int:event_id>/", activity_event, name="poc-activity-event"),
    path("pocs/<int:poc_pk>/", include("apps.checklists.api.urls")),
    path("pocs/<int:poc_pk>/", include("apps.evaluations.api.urls")),
    path("pocs/<int:poc_pk>/", include("apps.integrations.api.urls")),
    path("pocs/<int:poc_pk>/", include("apps.costs.api.urls")),
    path("pocs/<int:poc_pk>/", include("apps.decisions.api.urls")),
    path("pocs/<int:poc_pk>/", include("apps.reports.api.urls")),
    *router.urls,
]
