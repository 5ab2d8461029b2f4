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


def set_transaction_actor(user, context: dict | None = None) -> None:
    """Name the actor for the current transaction only; call inside ``transaction.atomic``."""
    params = [ACTOR_SETTING, _actor_value(user)]
    sql = "SELECT set_config(%s, %s, true)"
    if context is not None:
        sql += ", set_config(%s, %s, true)"
        params += [CONTEXT_SETTING, json.dumps(context, sort_keys=True)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@contextmanager
def audited(user, context: dict | None = None):
    """An atomic block whose changes are recorded as made by ``user``.

    The previous actor is restored on the way out, so a service called inside a larger
    transaction does not lend its actor to whatever that transaction writes next.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT current_setting(%s, true), current_setting(%s, true)", [ACTOR_SETTING, CONTEXT_SETTING]
            )
            previous_actor, previous_context = cursor.fetchone()
        set_transaction_actor(user, context)
        yield
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                [ACTOR_SETTING, previous_actor or "", CONTEXT_SETTING, previous_context or ""],
            )
