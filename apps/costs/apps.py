from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "apps.costs"
    label = "costs"
    verbose_name = "Production costs"

    def ready(self):
        from apps.checklists.risk import register_signal
        from apps.costs.risk import ECONOMICS_REASON, cost_model_economics
        from apps.costs.snapshot import snapshot_part
        from apps.pocs.header import register_tab
        from apps.pocs.snapshot import register_part

        register_tab("costs", "Costs", "costs:index", order=40)
        register_signal(ECONOMICS_REASON, "cost_model", cost_model_economics)
        register_part("costs", snapshot_part, order=40)
