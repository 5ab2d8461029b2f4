import uuid

from apps.audit.context import clear_session_context, set_session_context


class AuditContextMiddleware:
    """Hands the signed-in user and the request's identity to the audit triggers."""

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
        set_session_context(user=request.user, context=context)
        try:
            return self.get_response(request)
        finally:
            clear_session_context()
