import logging
import uuid

from django.db import DatabaseError, connection

from apps.audit.context import clear_session_context, request_context

logger = logging.getLogger(__name__)


class AuditContextMiddleware:
    """Hands the signed-in user and the request's identity to the audit triggers.

    Sends no statement of its own for a request whose writes all go through services (``audited``
    carries the context into the service's transaction); see ``apps.audit.context``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        context = {
            "request_id": uuid.uuid4().hex,
            "method": request.method,
            "path": request.path[:200],
            "ip": request.META.get("REMOTE_ADDR", ""),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
        }
        request.audit_context = context
        try:
            with request_context(request.user, context):
                return self.get_response(request)
        finally:
            self._clear(context)

    @staticmethod
    def _clear(context: dict) -> None:
        """Resets the session's actor and context if a write outside the services set them. By now the
        view's answer is decided and its writes are committed: if the connection broke meanwhile, the
        answer stands, and the connection (with whatever it still holds) is discarded so the next
        request opens a fresh one."""
        try:
            clear_session_context()
        except DatabaseError:
            logger.warning(
                "Could not reset the audit context after %s %s (request %s); discarding the database connection",
                context["method"],
                context["path"],
                context["request_id"],
                exc_info=True,
            )
            try:
                connection.close()
            except DatabaseError:
                connection.connection = None
