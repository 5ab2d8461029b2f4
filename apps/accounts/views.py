import zoneinfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from apps.accounts.models import ApiToken
from apps.accounts.profile import sections as profile_sections
from apps.accounts.services import profile_update, token_revoke
from apps.core.errors import ValidationFailed


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with ``email`` and ``password`` (a form posting ``username`` is accepted too)."""

    # A plain text field: any spelling reaches authenticate(), so a look-alike of an address counts
    # towards that address's sign-in throttle instead of being refused uncounted.
    email = forms.CharField(
        label="Email", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    field_order = ["email", "password"]

    def __init__(self, request=None, *args, **kwargs):
        data = kwargs.get("data")
        if data is not None and "email" not in data and "username" in data:
            data = data.copy()
            data["email"] = data["username"]
            kwargs["data"] = data
        super().__init__(request, *args, **kwargs)
        del self.fields["username"]
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"

    def clean(self):
        email = self.cleaned_data.get("email") or ""
        password = self.cleaned_data.get("password")
        if email and password:
            self.user_cache = authenticate(self.request, email=email, password=password)
            if self.user_cache is None:
                raise forms.ValidationError("Enter a correct email and password.", code="invalid_login")
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class LoginView(auth_views.LoginView):
    """Email + password sign-in. Django's ``login()`` gives the session a new key."""

    template_name = "accounts/login.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST signs out. A GET (a typed or bookmarked URL) shows a page with the sign-out button,
    so signing out stays a deliberate, CSRF-protected action."""

    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout.html"

    def get(self, request, *args, **kwargs):
        return render(request, self.template_name)


def _time_zones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """Your account, time zone, API tokens, and the sections other apps add (the reminders you mute).

    POST ``revoke=<token id>`` revokes one of your tokens; POST ``time_zone=<IANA name>`` sets your time zone.
    """
    status = 200
    tz_error = ""
    if request.method == "POST":
        if "time_zone" in request.POST:
            try:
                profile_update(user=request.user, time_zone=request.POST["time_zone"])
            except ValidationFailed as exc:
                tz_error, status = exc.message, 400
            else:
                messages.success(request, f"Saved your time zone: {request.user.time_zone}.")
                return redirect(f"{reverse('accounts:profile')}#time-zone")
        else:
            token_id = request.POST.get("revoke", "")
            if not token_id.isdigit():
                return HttpResponse("Choose a token to revoke.", status=400, content_type="text/plain")
            token_revoke(user=request.user, token_id=token_id)
            messages.success(request, "Token revoked: it no longer signs in to the API.")
            return redirect("accounts:profile")
    tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request,
        "accounts/profile.html",
        {
            "tokens": tokens,
            "token_ttl_days": settings.API_TOKEN_TTL_DAYS,
            "time_zones": _time_zones(),
            "tz_error": tz_error,
            "tz_typed": request.POST.get("time_zone", "") if tz_error else "",
            "sections": profile_sections(request),
        },
        status=status,
    )
