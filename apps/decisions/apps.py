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
        from apps.pocs.stages import register_after_move, register_move

        # A decision may be asked for from any stage after draft (a no-go can come early).
        for source in (Stage.KICKOFF, Stage.RUNNING, Stage.EVALUATING):
            register_move(source, Stage.AWAITING_DECISION, [decision_maker_and_due_date])
        register_after_move(Stage.AWAITING_DECISION, _record_request)
        register_tab("graduation", "Graduation", "decisions:index", order=70)
        register_badge("graduation", "decisions/_criteria_badge.html", badge_context, order=50)

        from apps.evaluations.providers import register_decision_outcome

        register_decision_outcome(_outcome)  # a go PoC accepts drift-watch settings and re-runs, nothing else


def _outcome(poc):
    from apps.decisions.models import Decision

    return Decision.objects.filter(poc_id=poc.pk).values_list("outcome", flat=True).first()


def _record_request(poc, user):
    from apps.decisions.services import decision_request_record

    decision_request_record(poc=poc, user=user)
