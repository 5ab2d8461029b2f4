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

        from apps.costs.providers import peak_volumes
        from apps.evaluations.providers import register_peak_volumes

        register_peak_volumes(peak_volumes)  # the load-test form suggests peak rates from the volumes

        from apps.checklists.signals import business_case_changed
        from apps.costs.receivers import fill_demo, inputs_changed
        from apps.evaluations.measured import quality_measured
        from apps.pocs.signals import demo_poc_seeded

        business_case_changed.connect(inputs_changed, dispatch_uid="costs.business_case_changed")
        quality_measured.connect(inputs_changed, dispatch_uid="costs.quality_measured")
        demo_poc_seeded.connect(fill_demo, dispatch_uid="costs.fill_demo")
