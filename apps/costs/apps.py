from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "apps.costs"
    label = "costs"
    verbose_name = "Production costs"

    def ready(self):
        from apps.checklists.risk import register_signal
        from apps.costs.risk import ECONOMICS_REASON, cost_model_economics
        from apps.pocs.header import register_tab

        register_tab("costs", "Costs", "costs:index", order=40)
        register_signal(ECONOMICS_REASON, "cost_model", cost_model_economics)
