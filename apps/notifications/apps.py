from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from apps.accounts.profile import register_section
        from apps.notifications.views import profile_section

        register_section("reminders", "notifications/_profile_section.html", profile_section, order=20)
