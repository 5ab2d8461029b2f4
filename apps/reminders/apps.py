from django.apps import AppConfig


class RemindersConfig(AppConfig):
    name = "apps.reminders"
    label = "reminders"
    verbose_name = "Reminders"

    def ready(self):
        from apps.notifications import kinds
        from apps.reminders.occasions import KINDS

        # Every reminder can be muted from the profile page.
        for order, (key, (label, description)) in enumerate(KINDS.items()):
            kinds.register(key, label, description, order=order)
