"""API plumbing shared by every app: one translation of service errors into HTTP answers, the
conflict body's schema, and the write serializers made from a model's own fields."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from apps.core.errors import ConflictError, ServiceError, TransitionRefused


def exception_handler(exc, context):
    if isinstance(exc, ConflictError):
        return Response(
            {"detail": exc.message, "current": exc.current, "current_version": exc.current_version},
            status=409,
        )
    if isinstance(exc, TransitionRefused):
        return Response({"detail": exc.message, "missing": exc.missing}, status=exc.status_code)
    if isinstance(exc, ServiceError):
        body = {"detail": exc.message}
        body.update(exc.errors)
        return Response(body, status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


class ConflictSerializer(serializers.Serializer):
    """The 409 body of a stale write: the message, the row's current values and version."""

    detail = serializers.CharField()
    current = serializers.DictField()
    current_version = serializers.IntegerField()


WRITE_RESPONSES = {400: OpenApiResponse(description="Invalid input, field by field"), 409: ConflictSerializer}


def patch_serializer(model, fields, *, name: str, help_texts: dict[str, str] | None = None):
    """A PATCH body for ``model``: the ``version`` the caller read plus any of ``fields``, all optional.

    The fields are made from the model's own (lengths, choices, amounts, validators), so limits
    are declared once; the service validates the row again with ``full_clean`` before saving.
    """
    extra_kwargs = {f: {"required": False} for f in fields}
    for field, text in (help_texts or {}).items():
        extra_kwargs[field]["help_text"] = text
    meta = type("Meta", (), {"model": model, "fields": ["version", *fields], "extra_kwargs": extra_kwargs})
    return type(
        name,
        (serializers.ModelSerializer,),
        {
            "Meta": meta,
            "__doc__": "Send only the fields to change, plus the version you last read (a stale one answers 409).",
            "version": serializers.IntegerField(min_value=1, help_text="The version you last read"),
        },
    )
