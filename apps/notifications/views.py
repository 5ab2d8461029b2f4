"""The signed-in person's notifications: a list, and a button to mark them read."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.notifications import selectors, services


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """GET lists your notifications, newest first; POST marks them all read."""
    if request.method == "POST":
        services.notifications_mark_read(user=request.user)
        return redirect("notifications:index")
    return render(request, "notifications/index.html", {
        "notifications": selectors.notifications_for(request.user),
        "unread": selectors.unread_count(request.user),
    })
