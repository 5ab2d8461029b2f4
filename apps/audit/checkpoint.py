"""Anchor the ends of the audit chains: record their heads where the application cannot rewrite them.

The hash links show an event edited or removed from the middle of a chain, but not a chain's last
events deleted: what is left still links up. A checkpoint records every chain's head (last event id
and hash; one chain per PoC, one for the events without a PoC, one for the events of format 1) and
the newest event overall in ``audit_auditcheckpoint``, which refuses UPDATE and DELETE, and writes the
newest event to the log (and to the admins by email when ``ADMINS`` is set), so a copy lives outside
the database too. ``verify_audit`` then reports any checkpointed event that is gone.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import mail_admins
from django.db import connection, transaction

from apps.audit.verify import Anchor

logger = logging.getLogger(__name__)


def record_checkpoint() -> Anchor | None:
    """Record every chain's current head; None when the trail has no event yet."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT * FROM audit_record_checkpoint()")
        row = cursor.fetchone()
    if row is None:
        logger.warning("Audit checkpoint: the audit trail has no event yet, nothing to anchor.")
        return None
    from apps.audit.models import AuditCheckpoint

    heads = AuditCheckpoint.objects.filter(event_id=row[0], recorded_at=row[2]).values_list("heads", flat=True).first()
    anchor = Anchor(*row, heads=tuple(sorted((chain, int(h[0]), str(h[1])) for chain, h in (heads or {}).items())))
    message = (
        f"Audit checkpoint: the trail's newest event is #{anchor.event_id} with hash {anchor.hash} "
        f"({anchor.recorded_at:%Y-%m-%d %H:%M:%S %Z}); the heads of its {len(anchor.heads)} chains are recorded. "
        "Keep this line: "
        f"`manage.py verify_audit --checkpoint {anchor.event_id}:{anchor.hash}` checks the chain still reaches it."
    )
    logger.info(message)
    if settings.ADMINS:
        try:
            mail_admins(f"Audit checkpoint: event #{anchor.event_id}", message)
        except Exception:  # the checkpoint is recorded and logged; a mail server outage must not undo that
            logger.exception("Audit checkpoint: the email to ADMINS could not be sent.")
    return anchor
