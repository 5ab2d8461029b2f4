"""Celery beat records an audit checkpoint every ``AUDIT_CHECKPOINT_MINUTES`` (see settings)."""

from celery import shared_task

from apps.audit.checkpoint import record_checkpoint


@shared_task(name="audit.checkpoint", ignore_result=True)
def checkpoint():
    """Record the audit chain's current head (``manage.py audit_checkpoint`` does the same by hand)."""
    record_checkpoint()
