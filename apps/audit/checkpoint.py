"""Anchor the end of the audit chain: record its head where the application cannot rewrite it.

The hash links show an event edited or removed from the middle of the chain, but not the last
events deleted: what is left still links up. A checkpoint records the head (last event id and hash)
in ``audit_auditcheckpoint``, which refuses UPDATE and DELETE, and writes the same head to the log
(and to the admins by email when ``ADMINS`` is set), so a copy lives outside the database too.
``verify_audit`` then reports any checkpointed event that is gone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import mail_admins
from django.db import connection, transaction

from apps.audit.verify import Anchor

logger = logging.getLogger(__name__)


def record_checkpoint() -> Anchor | None:
    """Record the chain's current head; None when the trail has no event yet."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_record_checkpoint()")
        row = cursor.fetchone()
    if row is None:
        logger.warning("Audit checkpoint: the audit trail has no event yet, nothing to anchor.")
        return None
    anchor = Anchor(*row)
    message = (
        f"Audit checkpoint: the chain ends at event #{anchor.event_id} with hash {anchor.hash} "
        f"({anchor.recorded_at:%Y-%m-%d %H:%M:%S %Z}). Keep this line: "
        f"`manage.py verify_audit --checkpoint {anchor.event_id}:{anchor.hash}` checks the chain still reaches it."
    )
    logger.info(message)
    if settings.ADMINS:
        try:
            mail_admins(f"Audit checkpoint: event #{anchor.event_id}", message)
        except Exception:  # the checkpoint is recorded and logged; a mail server outage must not undo that
            logger.exception("Audit checkpoint: the email to ADMINS could not be sent.")
    return anchor
