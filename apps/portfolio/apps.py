from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "apps.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self):
        from apps.portfolio import receivers  # noqa: F401  (connects the summary refresh)
