"""Who is acting, and in which request or job: handed to the audit triggers as settings.

The triggers read ``pocportal.actor_id`` and ``pocportal.context`` from the database session.
``audited(user)`` sets both inside the service's own transaction, in one statement, as
transaction-local settings that end with it (so nothing needs restoring, except when a service runs
inside a larger transaction); the request's context (request id, path, IP, user agent) comes from
``request_context``, which the middleware opens around every unsafe request without sending any
statement. Only a write outside any service during such a request (the admin's, say) makes it set
the session's actor and context first, once, and reset them at the end of the request.
"""

from __future__ import annotations

import json
import select
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import OperationalError, connection, transaction

ACTOR_SETTING = "pocportal.actor_id"
CONTEXT_SETTING = "pocportal.context"
SESSION_FLAG = "audit_session_context_set"  # on the connection: set_session_context ran and was not cleared
WRITES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "TRUNCATE")

_request: ContextVar[tuple[object, dict] | None] = ContextVar("audit_request", default=None)
_in_audited: ContextVar[bool] = ContextVar("audit_in_audited", default=False)


def _actor_value(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return str(user.pk)


def _context_text(context: dict | None) -> str:
    return json.dumps(context or {}, sort_keys=True)


def set_session_context(*, user=None, context: dict | None = None) -> None:
    """Set actor and context for the rest of this database session (reset with ``clear``)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config(%s, %s, false), set_config(%s, %s, false)",
            [ACTOR_SETTING, _actor_value(user), CONTEXT_SETTING, _context_text(context)],
        )
    setattr(connection, SESSION_FLAG, True)


def _closed_by_server(raw) -> bool:
    """Whether the server has closed this idle connection, seen without a round trip: an idle
    connection has nothing to read unless the server sent its goodbye (or closed the socket)."""
    if raw.closed:
        return True
    if raw.info.transaction_status != 0:  # only an idle connection is expected to be silent
        return False
    try:
        readable, _, _ = select.select([raw.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def clear_session_context() -> None:
    """Reset what ``set_session_context`` set. When nothing was set, send nothing; a connection the
    server closed meanwhile is still reported (``OperationalError``), so the caller can discard it."""
    if connection.connection is None:
        return
    if not getattr(connection, SESSION_FLAG, False):
        if _closed_by_server(connection.connection):
            raise OperationalError("the server closed the database connection")
        return
    setattr(connection, SESSION_FLAG, False)
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, '', false), set_config(%s, '', false)", [ACTOR_SETTING, CONTEXT_SETTING])


@contextmanager
def request_context(user, context: dict):
    """The request's actor and context, for every audited write made while it lasts.

    Services pick the context up in ``audited``; any other write sets both on the session first.
    """
    token = _request.set((user, context))

    def before_a_write(execute, sql, params, many, call):
        if (
            not _in_audited.get()
            and not getattr(connection, SESSION_FLAG, False)
            and sql.lstrip()[:8].split(" ", 1)[0].upper() in WRITES
        ):
            set_session_context(user=user, context=context)
        return execute(sql, params, many, call)

    try:
        with connection.execute_wrapper(before_a_write):
            yield
    finally:
        _request.reset(token)


@contextmanager
def audited(user, context: dict | None = None):
    """An atomic block whose changes are recorded as made by ``user`` (with ``context``, or the
    request's when none is given).

    As a transaction of its own, one statement sets both as transaction-local settings, which end
    with it. Inside a larger transaction, the previous values are read in that same statement and
    restored on the way out, so a service does not lend its actor to whatever that transaction
    writes next.
    """
    if context is None and (request := _request.get()) is not None:
        context = request[1]
    own_transaction = not connection.in_atomic_block and connection.get_autocommit()
    values = [ACTOR_SETTING, _actor_value(user), context is not None, CONTEXT_SETTING, _context_text(context)]
    with transaction.atomic():
        token = _in_audited.set(True)
        try:
            with connection.cursor() as cursor:
                if own_transaction:
                    cursor.execute(
                        "SELECT set_config(%s, %s, true), CASE WHEN %s THEN set_config(%s, %s, true) END", values
                    )
                else:
                    # One round trip: remember the current values, then set the new ones.
                    cursor.execute(
                        "WITH previous AS MATERIALIZED ("
                        "  SELECT current_setting(%s, true) AS actor, current_setting(%s, true) AS context"
                        ") SELECT previous.actor, previous.context, set_config(%s, %s, true), "
                        "  CASE WHEN %s THEN set_config(%s, %s, true) END FROM previous",
                        [ACTOR_SETTING, CONTEXT_SETTING, *values],
                    )
                    previous_actor, previous_context = cursor.fetchone()[:2]
            yield
            if not own_transaction:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config(%s, %s, true), set_config(%s, %s, true)",
                        [ACTOR_SETTING, previous_actor or "", CONTEXT_SETTING, previous_context or ""],
                    )
        finally:
            _in_audited.reset(token)
