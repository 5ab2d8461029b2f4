from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "apps.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from apps.decisions.hooks import register_on_sign
        from apps.pocs.header import register_tab
        from apps.reports import services

        register_tab("report", "Report", "reports:index", order=75)
        # Signing freezes the report: rendered from the snapshot inside the signing transaction.
        register_on_sign("report", services.signed_report_store, order=10)
