from django.apps import AppConfig


class ChecklistsConfig(AppConfig):
    name = "apps.checklists"
    label = "checklists"
    verbose_name = "Kickoff checklists"

    def ready(self):
        from apps.audit.selectors import register_table_label
        from apps.checklists import gate, receivers  # noqa: F401  (connects the poc_created receiver)
        from apps.pocs.models import Stage
        from apps.pocs.stages import register_guard

        register_guard(Stage.KICKOFF, Stage.RUNNING, gate.kickoff_checklist_resolved)
        for table, label in (
            ("checklists_checklistitem", "checklist item"),
            ("checklists_validationquestion", "validation question"),
            ("checklists_acknowledgement", "limit acknowledged"),
            ("checklists_businesscase", "business case"),
            ("checklists_checklisttemplate", "checklist template"),
            ("checklists_templateitem", "template item"),
        ):
            register_table_label(table, label)
