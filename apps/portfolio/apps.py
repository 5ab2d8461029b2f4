from django.apps import AppConfig


class PortfolioConfig(AppConfig):
    name = "apps.portfolio"
    label = "portfolio"
    verbose_name = "Portfolio"

    def ready(self):
        from apps.pocs.header import register_badge
        from apps.pocs.listing import register_column
        from apps.portfolio import receivers  # noqa: F401  (connects the summary refresh)
        from apps.portfolio.selectors import drift_badge_context, list_risk_cells

        # My PoCs shows each PoC's five reasons from its stored summary, read in one query per page.
        register_column("stall-risk", "Stall risk", "portfolio/_list_risk.html", list_risk_cells, order=10)
        # The header says "Drift detected" from the same stored summary (read only for a decided PoC).
        register_badge("drift", "portfolio/_drift_badge.html", drift_badge_context, order=45)
