from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    name = "apps.evaluations"
    label = "evaluations"
    verbose_name = "Evaluations"

    def ready(self):
        from apps.checklists.risk import Reason, register_signal
        from apps.evaluations import checks  # noqa: F401 - registers the deploy check
        from apps.evaluations.selectors import targets_badge_context
        from apps.evaluations.signals import NAME, production_sample_measured
        from apps.evaluations.snapshot import snapshot_part
        from apps.pocs.header import register_badge, register_tab
        from apps.pocs.snapshot import register_part

        register_tab("evaluations", "Evaluations", "evaluations:index", order=30)
        register_badge("targets", "evaluations/_targets_badge.html", targets_badge_context, order=40)
        # Replaces the kickoff's planned-sample signal (same name): reason 2 reads the measurements.
        register_signal(Reason.DATA, NAME, production_sample_measured)
        register_part("evaluations", snapshot_part, order=30)
