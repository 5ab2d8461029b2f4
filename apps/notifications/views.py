"""The signed-in person's notifications: a list, marking them read, and the kinds they mute."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.notifications import selectors, services
from apps.notifications.models import Notification


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """GET lists your notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("notifications:index")
    return render(
        request,
        "notifications/index.html",
        {
            "notifications": selectors.notifications_for(request.user),
            "unread": request.user.unread_notifications,
        },
    )


@login_required
@require_POST
def mark_read(request, pk):
    """Mark one of your notifications read; htmx gets the row back, a plain form goes back to the list."""
    try:
        notification = services.notification_mark_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404("No such notification.") from None
    if request.htmx:
        # The row read, and the header's count (out of band) from the person's row as it now stands.
        unread = User.objects.filter(pk=request.user.pk).values_list("unread_notifications", flat=True)
        row = render_to_string("notifications/index.html#notification", {"n": notification}, request=request)
        count = render_to_string("notifications/index.html#nav-count", {"unread": unread.get()}, request=request)
        return HttpResponse(row + count)
    return redirect(f"{reverse('notifications:index')}#notification-{notification.pk}")


@login_required
@require_POST
def mutes(request):
    """Set the kinds of reminder you do not receive (the profile page's form): every ``muted`` box ticked."""
    try:
        muted = services.mutes_set(user=request.user, muted=request.POST.getlist("muted"))
    except ValidationFailed as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain")
    messages.success(
        request,
        f"Saved: {len(muted)} kind{'s' if len(muted) != 1 else ''} of reminder muted."
        if muted
        else "Saved: you receive every kind of reminder.",
    )
    return redirect(f"{reverse('accounts:profile')}#reminders")


def profile_section(request) -> dict:
    """The profile page's reminders section (registered with ``accounts.profile``)."""
    return {"mute_choices": selectors.mute_choices(request.user)}
