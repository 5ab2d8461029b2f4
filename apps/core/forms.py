"""Service errors on a form: the one way a page turns a refused or stale write into what it shows.

A page validates the form, calls a service, and answers:

- 200 with the saved row;
- 400 with the form again, each service error on its field (``add_service_errors``);
- 409 with the form again, the user's input kept and armed with the row's current version, and
  a conflict box listing the values saved meanwhile (``conflict_box``).

``save_form`` does the calling and sorting; the view only renders what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from apps.core.errors import ConflictError, ServiceError


class VersionedForm(forms.Form):
    """A form for a row with ``version``: the version the editor read travels as a hidden field.

    ``prefix_id`` keeps the element ids unique when many rows' forms share one page.
    """

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, prefix_id: str | None = None, **kwargs):
        if prefix_id:
            kwargs.setdefault("auto_id", f"{prefix_id}-%s")
        super().__init__(*args, **kwargs)

    def changes(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}


def add_service_errors(form: forms.BaseForm, exc: ServiceError) -> None:
    """Put each of the service's errors on the form field it names (else on the form itself)."""
    for name, errors in (exc.errors or {"__all__": [exc.message]}).items():
        form.add_error(name if name in form.fields else None, errors)


def rearmed(data: QueryDict, version: int) -> QueryDict:
    """The submitted data with the row's current version, so saving again replaces it on purpose."""
    data = data.copy()
    data["version"] = str(version)
    return data


def _shown(value: Any) -> str:
    return "—" if value in (None, "") else str(value)


def conflict_box(
    exc: ConflictError,
    *,
    typed: dict[str, Any],
    labels: dict[str, str],
    display: Callable[[str, Any], Any] | None = None,
    fields: Iterable[str] | None = None,
) -> dict:
    """What a 409 shows: the message and, for each field the user typed differently, the saved value.

    ``display(field, value)`` turns a saved value into words (a person's name, a choice label).
    """
    current = []
    for field in fields if fields is not None else [f for f in exc.current if f in typed]:
        if field not in exc.current or field not in labels:
            continue
        saved = exc.current[field]
        mine = typed.get(field)
        mine = mine.isoformat() if hasattr(mine, "isoformat") else mine
        if _shown(mine) != _shown(saved) or fields is not None:
            shown = display(field, saved) if display else saved
            current.append({"field": field, "label": labels[field], "value": _shown(shown)})
    return {"message": exc.message, "current": current}


@dataclass
class Outcome:
    """What ``save_form`` ended with: ``status`` 200, 400 or 409, the saved row, or the conflict."""

    status: int
    result: Any = None
    conflict: ConflictError | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


def save_form(form: forms.BaseForm, call: Callable[[dict], Any]) -> Outcome:
    """Validate ``form``, then ``call(cleaned_data)`` (a service); sort the answer into an ``Outcome``.

    Service errors land on the form's fields (400); a stale version is returned as the conflict
    (409) for the view to re-arm the form and show the current values.
    """
    if not form.is_valid():
        return Outcome(400)
    try:
        result = call(form.cleaned_data)
    except ConflictError as exc:
        return Outcome(409, conflict=exc)
    except ServiceError as exc:
        add_service_errors(form, exc)
        return Outcome(400)
    return Outcome(200, result=result)


def versioned_form_for(model, fields, *, labels=None, widgets=None) -> type[VersionedForm]:
    """A ``VersionedForm`` base whose fields are made from ``model``'s own fields.

    Lengths, choices, amounts and validators come from the model, declared once; the page's
    form subclasses this and adds only labels, widgets and what is special to it.
    """
    made = forms.fields_for_model(model, fields=list(fields), labels=labels, widgets=widgets)
    return type(f"{model.__name__}VersionedForm", (VersionedForm,), made)
