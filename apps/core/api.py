"""API plumbing shared by every app: one translation of service errors into HTTP answers."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions
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
