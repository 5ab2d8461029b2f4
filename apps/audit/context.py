"""Who is acting, and in which request or job: handed to the audit triggers as settings.

The triggers read ``pocportal.actor_id`` and ``pocportal.context`` from the database session.
The request middleware sets them for a signed-in session; services set the actor again inside
their own transaction, which also covers token-authenticated API calls and background jobs.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

from django.db import connection, transaction

ACTOR_SETTING = "pocportal.actor_id"
CONTEXT_SETTING = "pocportal.context"


def _actor_value(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return str(user.pk)


def set_session_context(*, user=None, context: dict | None = None) -> None:
    """Set actor and context for the rest of this database session (reset with ``clear``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
            [ACTOR_SETTING, _actor_value(user), CONTEXT_SETTING, json.dumps(context or {}, sort_keys=True)],
        )


def clear_session_context() -> None:
    if connection.connection is None:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', false), set_config(%s, '', false)", [ACTOR_SETTING, CONTEXT_SETTING])


@contextmanager
def audited(user, context: dict | None = None):
    """An atomic block whose changes are recorded as made by ``user``.

    The previous actor is restored on the way out, so a service called inside a larger
    transaction does not lend its actor to whatever that transaction writes next.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One round trip: remember the current values, then set the new ones.
            cursor.execute(
                "WITH previous AS MATERIALIZED ("
                "  SELECT current_setting(%s, true) AS actor, current_setting(%s, true) AS context"
                ") SELECT previous.actor, previous.context, set_config(%s, %s, true), "
                "  CASE WHEN %s THEN set_config(%s, %s, true) END FROM previous",
                [
                    ACTOR_SETTING,
                    CONTEXT_SETTING,
                    ACTOR_SETTING,
                    _actor_value(user),
                    context is not None,
                    CONTEXT_SETTING,
                    json.dumps(context or {}, sort_keys=True),
                ],
            )
            previous_actor, previous_context = cursor.fetchone()[:2]
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                [ACTOR_SETTING, previous_actor or "", CONTEXT_SETTING, previous_context or ""],
            )
