"""What a model says about its place in the audit trail.

Every concrete model of a project app (``apps.*``) carries a class attribute ``audit`` holding
one of these; the system check ``audit.E001`` refuses a model that has neither, so a new table
cannot be left out by forgetting it::

    class ChecklistItem(models.Model):
        audit = Audited(poc_field="poc", label="checklist item")

    class Job(models.Model):
        audit = NotAudited("bookkeeping of background work; the work's own writes are audited")

A table that Django creates for a many-to-many field is declared on the model holding the field,
in ``many_to_many`` (``{"groups": Audited()}``).

This module imports nothing from Django or the project, so any app may use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Audited:
    """Every INSERT, UPDATE and DELETE on the model's table is recorded by the trigger ``audit_<table>``.

    - ``poc_field``: the field holding the PoC (``"id"`` on the PoC itself), so the PoC's activity
      feed finds the change; blank for tables that belong to no PoC.
    - ``exclude``: fields never copied into the trail (password hashes, say); an update that
      touches only them records nothing.
    - ``label``: how the activity feed names a row of this table ("checklist item"). Required
      when ``poc_field`` is set, since those rows appear in a PoC's feed.
    - ``many_to_many``: declarations for the tables Django creates for this model's
      many-to-many fields, by field name.
    """

    poc_field: str = ""
    exclude: tuple[str, ...] = ()
    label: str = ""
    many_to_many: Mapping[str, Audited | NotAudited] = field(default_factory=dict)


@dataclass(frozen=True)
class NotAudited:
    """The table is deliberately left out of the audit trail; ``reason`` says why."""

    reason: str
    many_to_many: Mapping[str, Audited | NotAudited] = field(default_factory=dict)
