"""Model endpoints a live run calls: the host checked against the allowed list, the headers kept encrypted."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils import timezone

from apps.audit.context import audited
from apps.core.versioning import check_fields, refuse, validate, versioned_update
from apps.evaluations.models import ModelVersion
from apps.evaluations.services.common import _check, _number
from apps.pocs.models import PoC

ENDPOINT_FIELDS = ("name", "model_version", "kind", "url", "model", "request_template", "response_path", "headers",
                   "timeout_s", "max_concurrency", "max_rate_per_s", "match")


def model_endpoint_snapshot(endpoint) -> dict:
    """The endpoint as a conflict shows it (headers never: only their names)."""
    return {
        "name": endpoint.name, "model_version": endpoint.model_version_id, "kind": endpoint.kind, "url": endpoint.url,
        "model": endpoint.model, "request_template": endpoint.request_template,
        "response_path": endpoint.response_path, "header_names": endpoint.header_names,
        "timeout_s": endpoint.timeout_s, "max_concurrency": endpoint.max_concurrency,
        "max_rate_per_s": endpoint.max_rate_per_s, "match": endpoint.match,
    }


def _endpoint_apply(poc: PoC):
    """Set an endpoint's fields from input: the host checked against the allowed list, the headers encrypted."""
    from apps.evaluations import endpoints
    from apps.evaluations.harness import PLACEHOLDER

    def apply(row, changes: dict[str, Any]) -> list[str]:
        fields = []
        for name, value in changes.items():
            if name == "headers":
                try:
                    headers = endpoints.clean_headers(value)
                except endpoints.EndpointRefused as error:
                    raise refuse("headers", str(error)) from None
                if headers and not settings.FIELD_ENCRYPTION_KEY:
                    raise refuse("headers", "Headers cannot be stored: FIELD_ENCRYPTION_KEY is not set (an "
                                            "administrator must configure it).")
                row.headers_encrypted = endpoints.encrypt_headers(headers)
                row.header_names = ", ".join(sorted(headers))[:2000]
                row.headers_changed_at = timezone.now()
                fields += ["headers_encrypted", "header_names", "headers_changed_at"]
                continue
            if name == "model_version":
                model_version = value if isinstance(value, ModelVersion) else ModelVersion.objects.filter(
                    poc=poc, pk=_number("model_version", value, default=None)).first()
                if model_version is None or model_version.poc_id != poc.pk:
                    raise refuse("model_version", "Choose one of this PoC's model versions.")
                row.model_version = model_version
                fields.append("model_version")
                continue
            if name in ("name", "kind", "url", "model", "response_path", "match"):
                value = "" if value is None else str(value).strip()
            if name in ("timeout_s", "max_concurrency", "max_rate_per_s") and value == "":
                value = None
            if name in ("timeout_s", "max_concurrency") and value is None:
                value = row._meta.get_field(name).default
            setattr(row, name, value)
            fields.append(name)
        if not row.match:
            row.match = row.Match.CASEFOLD
        if "url" in changes:
            try:
                endpoints.allowed_entry(row.url)
            except endpoints.EndpointRefused as error:
                raise refuse("url", str(error)) from None
        if "\\u0000" in json.dumps(row.request_template):
            raise refuse("request_template", "The template holds a NUL character.")
        if row.kind == row.Kind.HTTP_JSON:
            if not isinstance(row.request_template, dict | list) or PLACEHOLDER not in json.dumps(row.request_template):
                raise refuse("request_template", f"Give the JSON body to send, with {PLACEHOLDER} where the input "
                                                 "goes (inside a string).")
            if not row.response_path:
                raise refuse("response_path", "Say where the prediction is in the reply, e.g. prediction or "
                                              "choices.0.message.content.")
        elif row.kind == row.Kind.OPENAI_CHAT and not row.model:
            raise refuse("model", "Name the model to ask (the request's model).")
        return fields

    return apply


def model_endpoint_create(*, poc: PoC, user, data: dict[str, Any]):
    """Register a model endpoint for one of the PoC's model versions (its host must be allowed)."""
    from apps.evaluations.models import ModelEndpoint

    _check(poc, user)
    check_fields(data, ENDPOINT_FIELDS)
    row = ModelEndpoint(poc=poc, created_by=user)
    if "model_version" not in data:
        raise refuse("model_version", "Choose one of this PoC's model versions.")
    names = _endpoint_apply(poc)(row, data)
    validate(row, ["poc", "name", "kind", "url", "timeout_s", "max_concurrency", "max_rate_per_s", "match",
                   *[n for n in names if n in {"model", "response_path"}]])
    if ModelEndpoint.objects.filter(poc=poc, name=row.name).exists():
        raise refuse("name", "The PoC already has an endpoint with this name.")
    with audited(user):
        row.save()
    return row


def model_endpoint_update(*, endpoint, user, changes: dict[str, Any], version):
    """Change an endpoint (any of ``ENDPOINT_FIELDS``; ``headers`` replaces every header)."""
    _check(endpoint.poc, user)
    check_fields(changes, ENDPOINT_FIELDS)
    return versioned_update(obj=endpoint, user=user, changes=changes, version=version,
                            snapshot=model_endpoint_snapshot, what="model endpoint",
                            apply=_endpoint_apply(endpoint.poc))


def model_endpoint_delete(*, endpoint, user) -> None:
    """Delete an endpoint; its runs stay (they no longer name it)."""
    _check(endpoint.poc, user)
    with audited(user):
        endpoint.delete()
