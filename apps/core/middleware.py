from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.html import escape


class SecurityHeadersMiddleware:
    """Adds the Content-Security-Policy and a strict Permissions-Policy to every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and not request.path.startswith("/api/docs"):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def _too_large_message(size: int, limit: int) -> str:
    def mb(n: int) -> str:
        return f"{n / (1024 * 1024):.1f} MB" if n >= 1024 * 1024 else f"{max(n, 1) / 1024:.0f} KB"

    return f"The request is {mb(size)}; the limit is {mb(limit)}. Shorten the text and try again."


class RequestSizeLimitMiddleware:
    """Refuses a request body over the limit (413) before anything reads it.

    Form and JSON bodies may be at most ``DATA_UPLOAD_MAX_MEMORY_SIZE``: Django checks that only
    when something reads ``request.body``, and the API's JSON parser streams the body instead, so
    the declared length is checked here for every request. A multipart body may also carry an
    evidence file, streamed and checked by its own upload handler against ``UPLOAD_MAX_BYTES``,
    so it may be that much larger. The API answers ``{"detail": …}``; pages a short message.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if limit is not None:
            if request.content_type == "multipart/form-data":
                # the largest file any upload handler accepts (evidence files, evaluation results)
                limit += max(settings.UPLOAD_MAX_BYTES, getattr(settings, "EVAL_UPLOAD_MAX_BYTES", 0))
            if size > limit:
                return self.refuse(request, _too_large_message(size, limit))
        return self.get_response(request)

    @staticmethod
    def refuse(request, message: str) -> HttpResponse:
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return HttpResponse(
            f"<!doctype html><title>Too large</title><h1>Too large</h1><p>{escape(message)}</p>",
            status=413,
            content_type="text/html; charset=utf-8",
        )
