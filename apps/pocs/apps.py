from django.apps import AppConfig


class PocsConfig(AppConfig):
    name = "apps.pocs"
    label = "pocs"
    verbose_name = "Proofs of concept"

    def ready(self):
        from apps.pocs.header import register_badge, register_tab

        register_tab("overview", "Overview", "pocs:detail", order=10)
        register_tab("people", "People", "pocs:people", order=80)
        register_tab("activity", "Activity", "pocs:activity", order=90)
        register_badge("stage", "pocs/_stage_badge.html", order=10)
        register_badge("timebox", "pocs/_timebox_badge.html", order=20)
