from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "apps.audit"
    label = "audit"
    verbose_name = "Audit trail"

    def ready(self):
        from apps.audit import checks  # noqa: F401  (registers the audit declaration checks)
