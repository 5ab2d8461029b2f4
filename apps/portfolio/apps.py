from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "apps.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self):
        from apps.pocs.listing import register_column
        from apps.portfolio import receivers  # noqa: F401  (connects the summary refresh)
        from apps.portfolio.selectors import list_risk_cells

        # My PoCs shows each PoC's five reasons from its stored summary, read in one query per page.
        register_column("stall-risk", "Stall risk", "portfolio/_list_risk.html", list_risk_cells, order=10)
