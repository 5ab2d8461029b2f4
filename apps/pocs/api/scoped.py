"""The one base for API endpoints nested under ``/api/v1/pocs/{poc_pk}/``, in every app.

Order of checks everywhere: the PoC must be visible (else 404), the row must belong to it
(else 404), a write must be allowed (else 403), and only then is the body read.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.views import APIView

from apps.pocs import access, selectors


class PoCScopedMixin:
    """Gives a view ``get_poc``, ``get_row`` and ``read_body`` for endpoints under a PoC."""

    def get_poc(self, action: str = access.VIEW):
        """The PoC in the URL if the caller may see it (else 404) and may do ``action`` (else 403)."""
        return access.get_poc_for_user(
            self.request.user,
            self.kwargs["poc_pk"],
            action=action,
            queryset=selectors.pocs_for_user(self.request.user),
        )

    def get_row(self, queryset, pk, *, poc=None):
        """The row ``pk`` of ``queryset`` (a model or queryset) that belongs to the PoC, else 404."""
        poc = poc or self.get_poc()
        row = get_object_or_404(queryset, poc=poc, pk=pk)
        row.poc = poc
        return row

    @staticmethod
    def read_body(serializer_class, data) -> tuple[dict, int | None]:
        """The validated changes and the version sent with them (400 naming each bad field)."""
        body = serializer_class(data=data)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        return changes, changes.pop("version", None)


class PoCScoped(PoCScopedMixin, APIView):
    """The base view of every app's endpoints under a PoC."""
