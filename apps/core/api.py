"""API plumbing shared by every app: one translation of service errors into HTTP answers, the
conflict body's schema, and the write serializers made from a model's own fields."""

import re

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
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
    if isinstance(exc, IntegrityError):
        body = unique_violation_body(exc)
        if body is not None:
            return Response(body, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)


def unique_violation_body(exc: IntegrityError) -> dict | None:
    """A 400 body naming the fields of the unique constraint a write ran into (two writers adding the
    same row at once: the check before the insert passed for both), or None for any other error."""
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) != "23505":  # unique_violation
        return None
    diag = cause.diag
    found = re.match(r"Key \((.+?)\)=", diag.message_detail or "")
    columns = [c.strip().strip('"') for c in found.group(1).split(",")] if found else []
    model = next((m for m in apps.get_models() if m._meta.db_table == diag.table_name), None)
    by_column = {f.column: f.name for f in model._meta.concrete_fields} if model else {}
    fields = [by_column.get(column, column) for column in columns] or ["__all__"]
    body = {"detail": f"{', '.join(fields)}: this already exists (it may have just been added by someone else)."}
    body.update({field: ["Already exists."] for field in fields})
    return body


class ConflictSerializer(serializers.Serializer):
    """The 409 body of a stale write: the message, the row's current values and version."""

    detail = serializers.CharField()
    current = serializers.DictField()
    current_version = serializers.IntegerField()


WRITE_RESPONSES = {400: OpenApiResponse(description="Invalid input, field by field"), 409: ConflictSerializer}


def patch_serializer(model, fields, *, name: str, help_texts: dict[str, str] | None = None, version_required=True):
    """A PATCH body for ``model``: the ``version`` the caller read plus any of ``fields``, all optional.

    The fields are made from the model's own (lengths, choices, amounts, validators), so limits
    are declared once; the service validates the row again with ``full_clean`` before saving.
    With ``version_required=False`` a caller may leave the version out (last write wins); a
    stale one sent is still refused.
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
            "version": serializers.IntegerField(
                min_value=1,
                required=version_required,
                help_text="The version you last read"
                + ("" if version_required else "; optional: without it the change applies to the current row"),
            ),
        },
    )


# A word is a capital and its small letters, with a following lone capital kept (PoC), or a run of
# capitals (API): "PoCViewSet" → PoC View Set, not DRF's "Po C View Set".
_VIEW_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*(?:[A-Z](?=[A-Z][a-z]|[^A-Za-z]|$))?|[a-z0-9]+")


def view_name(view) -> str:
    """The browsable API's name of a view (``VIEW_NAME_FUNCTION``): "PoC List", "Member List", "Me"."""
    name = getattr(view, "name", None)
    if name is not None:
        return name
    name = view.__class__.__name__
    for ending in ("ViewSet", "View"):
        if name.endswith(ending) and name != ending:
            name = name[: -len(ending)]
            break
    name = " ".join(_VIEW_NAME_WORDS.findall(name))
    suffix = getattr(view, "suffix", None)
    return f"{name} {suffix}" if suffix else name
