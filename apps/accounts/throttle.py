"""Hooks for the login throttle (django-axes)."""

from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

from apps.accounts.emails import lockout_key


def username_from_request(request, credentials):
    """The throttle's key for the email being tried (from a form post, an API body, or explicit
    credentials): every spelling that looks like one address gives that address's key."""
    if credentials:
        for key in ("email", "username"):
            if credentials.get(key):
                return lockout_key(str(credentials[key]))
    data = getattr(request, "data", None) or request.POST
    for key in ("email", "username"):
        value = data.get(key) if hasattr(data, "get") else None
        if value:
            return lockout_key(str(value))
    return None


def lockout_response(request, *args, **kwargs):
    message = "Too many failed sign-in attempts. Try again in a few minutes."
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    html = render_to_string("accounts/locked_out.html", {"message": message}, request=request)
    return HttpResponse(html, status=429)
