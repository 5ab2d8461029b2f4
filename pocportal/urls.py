from django.contrib import admin
from django.urls import include, path

from apps.accounts.api.schema import SchemaView, SwaggerView
from apps.pocs import views as poc_views

admin.site.site_header = "PoC Portal administration"
admin.site.site_title = "PoC Portal admin"

urlpatterns = [
    path("", poc_views.home, name="home"),
    path("healthz", poc_views.healthz, name="healthz"),
    path("accounts/", include("apps.accounts.urls")),
    path("pocs/", include("apps.pocs.urls")),
    path("pocs/<int:pk>/kickoff/", include("apps.checklists.urls")),
    path("pocs/<int:pk>/evaluations/", include("apps.evaluations.urls")),
    path("pocs/<int:pk>/integrations/", include("apps.integrations.urls")),
    path("pocs/<int:pk>/costs/", include("apps.costs.urls")),
    path("pocs/<int:pk>/graduation/", include("apps.decisions.urls")),
    path("pocs/<int:pk>/report/", include("apps.reports.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("portfolio/", include("apps.portfolio.urls")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("pocportal.api_urls")),
    path("api/schema/", SchemaView.as_view(), name="schema"),
    path("api/docs/", SwaggerView.as_view(url_name="schema"), name="api-docs"),
]
