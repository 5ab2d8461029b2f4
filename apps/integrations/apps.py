from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "apps.integrations"
    label = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from apps.checklists.risk import register_signal
        from apps.integrations import receivers  # noqa: F401  (connects the poc_created receiver)
        from apps.integrations.risk import INTEGRATION_REASON, integration_scoped
        from apps.integrations.snapshot import snapshot_part
        from apps.pocs.header import register_tab
        from apps.pocs.snapshot import register_part

        register_tab("integrations", "Integrations", "integrations:index", order=50)
        register_signal(INTEGRATION_REASON, "integrations", integration_scoped)
        register_part("integrations", snapshot_part, order=50)
