from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.shortcuts import render


class EmailAuthenticationForm(AuthenticationForm):
    """Sign in with ``email`` and ``password`` (a form posting ``username`` is accepted too)."""

    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}))
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
        email = (self.cleaned_data.get("email") or "").lower()
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
