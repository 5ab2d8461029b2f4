"""System checks: every project table declares its place in the audit trail, and the migrations install it.

``manage.py check`` (and ``makemigrations``, ``migrate``, ``runserver``) refuse to go on when
- ``audit.E001``: a concrete model of a project app declares neither ``Audited`` nor ``NotAudited``
  (or declares a field it does not have, or no label for a PoC table);
- ``audit.E002``: the migrations do not install the trigger a declaration asks for, install it with
  other arguments, or audit a table not declared audited. The hint names the operation to add.
"""

from __future__ import annotations

from django.core import checks

from apps.audit.registry import project_tables
from apps.audit.triggers import compare, declaration_problems, migrated_triggers


@checks.register("audit")
def audit_declarations(app_configs=None, **kwargs):
    tables = project_tables()
    if app_configs is not None:
        labels = {config.label for config in app_configs}
        tables = [table for table in tables if table.model._meta.app_label in labels]
    return [
        checks.Error(
            message,
            hint='Add `audit = Audited(...)` or `audit = NotAudited("why")` to the model '
            "(apps.audit.declarations); a many-to-many table is declared in the owner's many_to_many.",
            obj=table.model,
            id="audit.E001",
        )
        for table, message in declaration_problems(tables)
    ]


@checks.register("audit")
def audit_migrations(app_configs=None, **kwargs):
    if declaration_problems():
        return []  # fix the declarations first (audit.E001)
    return [
        checks.Error(
            mismatch.message("the migrations"),
            hint=f"Add to a migration of the model's app: {mismatch.operations()} (from apps.audit.sql).",
            id="audit.E002",
        )
        for mismatch in compare(migrated_triggers())
    ]
