"""The project's tables as the audit trail sees them, read from each model's ``audit`` declaration.

Nothing here names an app or a table: the list comes from the app registry, so a new app's
models are picked up (and checked) without touching this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models

from apps.audit.declarations import Audited, NotAudited

PROJECT_PACKAGE = "apps."


@dataclass(frozen=True)
class TriggerSpec:
    """The arguments of an ``audit_capture`` trigger: the PoC column and the excluded columns."""

    poc_column: str = ""
    exclude: frozenset[str] = frozenset()

    def describe(self) -> str:
        excluded = ", ".join(sorted(self.exclude)) or "none"
        return f"poc column {self.poc_column or '(none)'}, excluded columns {excluded}"


@dataclass(frozen=True)
class Table:
    """One project table and what its model declares about it."""

    name: str
    model: type[models.Model]
    where: str  # the model, or the model and field for a many-to-many table ("accounts.User.groups")
    declaration: Audited | NotAudited | None

    @property
    def audited(self) -> bool:
        return isinstance(self.declaration, Audited)

    def trigger_spec(self) -> TriggerSpec:
        """The trigger arguments the declaration asks for (raises FieldDoesNotExist on a bad name)."""
        declaration = self.declaration
        assert isinstance(declaration, Audited)
        meta = self.model._meta
        poc_column = meta.get_field(declaration.poc_field).column if declaration.poc_field else ""
        return TriggerSpec(poc_column, frozenset(meta.get_field(name).column for name in declaration.exclude))


def is_project_model(model: type[models.Model]) -> bool:
    """A model whose rows live in a table of one of this project's apps."""
    meta = model._meta
    if meta.abstract or meta.proxy or not meta.managed:
        return False
    return apps.get_app_config(meta.app_label).name.startswith(PROJECT_PACKAGE)


def _declaration(model: type[models.Model]) -> tuple[str, Audited | NotAudited | None]:
    owner = model._meta.auto_created
    if not owner:
        declaration = getattr(model, "audit", None)
        return model._meta.label, declaration if isinstance(declaration, Audited | NotAudited) else None
    # A table Django made for a many-to-many field: the model holding the field declares it.
    field = next(f for f in owner._meta.many_to_many if f.remote_field.through is model)
    owner_declaration = getattr(owner, "audit", None)
    mapping = getattr(owner_declaration, "many_to_many", {}) or {}
    return f"{owner._meta.label}.{field.name}", mapping.get(field.name)


def project_tables() -> list[Table]:
    """Every table of every project model, many-to-many tables included, in a stable order."""
    tables = []
    for model in apps.get_models(include_auto_created=True):
        if is_project_model(model):
            where, declaration = _declaration(model)
            tables.append(Table(model._meta.db_table, model, where, declaration))
    return sorted(tables, key=lambda table: table.name)


@cache
def _models_by_table() -> dict[str, type[models.Model]]:
    return {table.name: table.model for table in project_tables()}


def table_label(table: str) -> str:
    """How the activity feed names a row of ``table``: the declared label, else the table name."""
    model = _models_by_table().get(table)
    declaration = _declaration(model)[1] if model else None
    return (isinstance(declaration, Audited) and declaration.label) or table


@cache
def user_columns(table: str) -> frozenset[str]:
    """The columns of ``table`` that hold a person: its foreign keys to the user model."""
    model = _models_by_table().get(table)
    if model is None:
        return frozenset()
    user_model = get_user_model()
    return frozenset(f.column for f in model._meta.concrete_fields if f.is_relation and f.related_model is user_model)


def expected_triggers() -> dict[str, TriggerSpec]:
    """The ``audit_capture`` trigger each audited table should carry, by table name."""
    return {table.name: table.trigger_spec() for table in project_tables() if table.audited}


@cache
def columns_of(table: str) -> dict[str, models.Field]:
    """The model fields of ``table`` by column name (``owner_id`` → the ``owner`` field); {} for an unknown table."""
    model = _models_by_table().get(table)
    return {f.column: f for f in model._meta.concrete_fields} if model else {}


def _slug(text: str) -> str:
    return "_".join(text.lower().split())


def _snake(name: str) -> str:
    out = []
    for i, char in enumerate(name):
        if char.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(char.lower())
    return "".join(out)


@cache
def poc_kinds() -> dict[str, tuple[str, str]]:
    """The kinds of change a PoC's feed can be filtered by: kind → (table, label), in label order.

    A kind is the table's declared label written as one word (``checklist_item``, ``business_case``,
    ``poc``); only tables that belong to a PoC have one.
    """
    kinds = {}
    for table in project_tables():
        declaration = table.declaration
        if isinstance(declaration, Audited) and declaration.poc_field and declaration.label:
            kinds[_slug(declaration.label)] = (table.name, declaration.label)
    return dict(sorted(kinds.items(), key=lambda item: item[1][1].lower()))


def kind_table(kind: str) -> str | None:
    """The table a ``?kind=`` names: its kind, the model's name (``acknowledgement``, ``checklistitem``),
    or the first word of exactly one kind (``validation`` for ``validation_question``)."""
    kind = (kind or "").strip().lower()
    if kind in poc_kinds():
        return poc_kinds()[kind][0]
    for table in project_tables():
        declaration = table.declaration
        names = (table.model._meta.model_name, _snake(table.model.__name__))
        if isinstance(declaration, Audited) and declaration.poc_field and kind in names:
            return table.name
    starting = [table for name, (table, _) in poc_kinds().items() if kind and name.split("_")[0] == kind]
    return starting[0] if len(starting) == 1 else None
