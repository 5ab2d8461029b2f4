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
      the event before it in its chain; ``manage.py verify_audit`` recomputes every chain.
    ``chain_version`` says how the event was chained: 1, one chain of every event (the events
    written before format 2); 2, one chain per PoC (``poc_id``, the events without a PoC forming one
    chain), an UPDATE storing only the changed columns (old and new) and the row's label columns.
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
        db_index=False,  # nothing reads events by actor: no index to update on every event
        related_name="+",
    )
    context = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    chain_version = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["id"]
        # The PoC's activity feed and each chain's head (the trigger's lookup) read by PoC, newest first.
        indexes = [models.Index(fields=["poc_id", "-id"], name="audit_event_poc_idx")]

    def __str__(self):
        return f"{self.table_name}#{self.row_pk} {self.op} @ {self.occurred_at:%Y-%m-%d %H:%M:%S}"


class AuditCheckpoint(models.Model):
    """The heads of the audit chains at one moment: the newest event overall (``event_id``, ``hash``)
    and, in ``heads``, every chain's last event (``{"poc:12": [event_id, hash], "other": […], "v1": […]}``;
    empty for the checkpoints recorded before chains were kept per PoC).

    Recorded by ``manage.py audit_checkpoint`` (Celery beat runs it every ``AUDIT_CHECKPOINT_MINUTES``)
    through the database function ``audit_record_checkpoint()``, which reads the head itself, so a
    checkpoint always names an event that existed. A trigger refuses UPDATE and DELETE on this table and
    the application's database role may only call that function, so nobody below the owner can move an
    anchor. ``verify_audit`` checks every checkpointed event is still in the chain with the same hash:
    deleting the last events of the chain, which leaves the links intact, is then reported.
    """

    audit = NotAudited("anchors of the trail itself: append-only, written by audit_record_checkpoint()")

    event_id = models.BigIntegerField()
    hash = models.CharField(max_length=64)
    recorded_at = models.DateTimeField()
    heads = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["event_id", "id"]
        get_latest_by = "id"

    def __str__(self):
        return f"event #{self.event_id} hash {self.hash} at {self.recorded_at:%Y-%m-%d %H:%M:%S}"
