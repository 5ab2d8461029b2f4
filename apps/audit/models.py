"""The audit trail: one row per change to a tracked table, written by database triggers."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from apps.audit.declarations import NotAudited


class AuditEvent(models.Model):
    """A change to a tracked row, captured by a PostgreSQL trigger.

    Guarantees, enforced by the database rather than by this class:
    - complete: every INSERT, UPDATE and DELETE on a tracked table is recorded, whether it came
      from a service, a bulk ``update()``, the admin or raw SQL;
    - append-only: UPDATE and DELETE on this table are refused by a trigger;
    - tamper-evident: ``hash`` is SHA-256 over this event's content and ``prev_hash``, the hash of
      the event before it; ``manage.py verify_audit`` recomputes the chain.
    Rows are never created from Python.
    """

    audit = NotAudited("the trail itself: append-only and hash-chained by its own triggers")

    class Op(models.TextChoices):
        INSERT = "INSERT", "created"
        UPDATE = "UPDATE", "changed"
        DELETE = "DELETE", "deleted"

    occurred_at = models.DateTimeField()
    table_name = models.CharField(max_length=63)
    row_pk = models.CharField(max_length=64)
    poc_id = models.BigIntegerField(null=True, blank=True)
    op = models.CharField(max_length=6, choices=Op.choices)
    old_data = models.JSONField(null=True, blank=True)
    new_data = models.JSONField(null=True, blank=True)
    changed_fields = ArrayField(models.CharField(max_length=63), default=list, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    context = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["poc_id", "-id"], name="audit_event_poc_idx"),
            models.Index(fields=["table_name", "row_pk"], name="audit_event_row_idx"),
        ]

    def __str__(self):
        return f"{self.table_name}#{self.row_pk} {self.op} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"
