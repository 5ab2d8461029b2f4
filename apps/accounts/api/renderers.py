"""The browsable API, for signed-in people only."""

from django.contrib.auth.views import redirect_to_login
from django.template.loader import render_to_string
from rest_framework.renderers import BrowsableAPIRenderer


class SignedInBrowsableAPIRenderer(BrowsableAPIRenderer):
    """DRF's browsable API when the caller is signed in; otherwise a short page that links to sign-in.

    Without this, a signed-out browser would see each endpoint's description, forms and fields.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        renderer_context = renderer_context or {}
        request = renderer_context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return super().render(data, accepted_media_type, renderer_context)
        sign_in = redirect_to_login(request.get_full_path())["Location"] if request is not None else ""
        return render_to_string("accounts/api_sign_in.html", {"sign_in_url": sign_in}).encode()
