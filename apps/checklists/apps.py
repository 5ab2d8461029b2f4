from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "apps.checklists"
    label = "checklists"
    verbose_name = "Kickoff checklists"

    def ready(self):
        from apps.checklists import gate, receivers, snapshot  # noqa: F401  (connects the poc_created receiver)
        from apps.checklists.selectors import risk_badge_context
        from apps.pocs.header import register_badge, register_tab
        from apps.pocs.models import Stage
        from apps.pocs.snapshot import register_part
        from apps.pocs.stages import register_guard

        register_guard(Stage.KICKOFF, Stage.RUNNING, gate.kickoff_checklist_resolved)
        register_tab("kickoff", "Kickoff", "checklists:kickoff", order=20)
        register_badge("stall-risk", "checklists/_risk_badge.html", risk_badge_context, order=30)
        register_part("checklist", snapshot.snapshot_part, order=20)
