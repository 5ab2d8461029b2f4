from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "apps.decisions"
    label = "decisions"
    verbose_name = "Graduation and decisions"

    def ready(self):
        from apps.decisions.guards import decision_maker_and_due_date
        from apps.decisions.selectors import badge_context
        from apps.pocs.header import register_badge, register_tab
        from apps.pocs.models import Stage
        from apps.pocs.stages import register_move

        # A decision may be asked for from any stage after draft (a no-go can come early).
        for source in (Stage.KICKOFF, Stage.RUNNING, Stage.EVALUATING):
            register_move(source, Stage.AWAITING_DECISION, [decision_maker_and_due_date])
        register_tab("graduation", "Graduation", "decisions:index", order=70)
        register_badge("graduation", "decisions/_criteria_badge.html", badge_context, order=50)
