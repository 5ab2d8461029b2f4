"""Without Redis there is no Celery beat: the web process itself starts the day's reminders."""

from django.conf import settings

from apps.reminders.services import look_in_process


class DailyRemindersMiddleware:
    """After a response, look (at most every ten minutes) whether the day's reminders are due.

    Active only when ``REMINDERS_IN_PROCESS`` is true (the default without ``REDIS_URL``); the run
    itself happens in a thread, so no request waits for it.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.active = settings.REMINDERS_IN_PROCESS

    def __call__(self, request):
        response = self.get_response(request)
        if self.active:
            look_in_process()
        return response
