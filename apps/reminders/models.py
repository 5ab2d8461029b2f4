"""The days the reminders were sent: what tells the in-process scheduler a day is done."""

from django.db import models

from apps.audit.declarations import NotAudited


class ReminderRun(models.Model):
    """One run of the daily reminders (by the scheduler or ``manage.py send_reminders``).

    ``day`` is unique for the scheduled runs, so two web processes that both notice the day's run
    is due start it once; the reminders themselves are once per occasion whatever runs.
    """

    audit = NotAudited("bookkeeping of the scheduler (when it ran, how many it sent); each reminder is audited")

    day = models.DateField(unique=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sent = models.JSONField(default=dict, blank=True, help_text="Reminders sent, by kind")

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"reminders of {self.day}"
