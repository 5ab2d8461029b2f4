"""The signed-in person's notifications: a page of them, newest first, and marking one read."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.notifications import selectors, services
from apps.notifications.api.serializers import NotificationSerializer
from apps.notifications.models import Notification


class NotificationListView(ListAPIView):
    """Your notifications, newest first, paginated (``?page=``). Nobody sees anyone else's."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return selectors.notifications_of(self.request.user)


class NotificationReadView(APIView):
    """Mark one of your notifications read (again is harmless); anyone else's answers 404."""

    @extend_schema(request=None, responses=NotificationSerializer)
    def post(self, request, pk):
        try:
            notification = services.notification_mark_read(user=request.user, notification_id=pk)
        except Notification.DoesNotExist:
            raise Http404("No such notification.") from None
        return Response(NotificationSerializer(notification).data)
