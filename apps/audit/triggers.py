"""Do the declarations, the migrations and the database agree on which tables are audited?

Three readings of the same fact, compared by ``problems()``:
- what the models declare (``registry.expected_triggers``);
- what the migrations install (``migrated_triggers``: the ``AuditTrigger`` and ``DropAuditTrigger``
  operations, replayed in migration order), checked by ``manage.py check`` without a database;
- what the database holds (``installed_triggers``: the ``audit_capture`` triggers in
  ``pg_trigger`` with their arguments), checked by the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist

from apps.audit.declarations import Audited, NotAudited
from apps.audit.registry import Table, TriggerSpec, project_tables
from apps.audit.sql import AuditTrigger, DropAuditTrigger, trigger_name

# pg_trigger.tgtype bits: ROW 1, BEFORE 2, INSERT 4, DELETE 8, UPDATE 16, TRUNCATE 32, INSTEAD 64.
AFTER_EACH_ROW_INSERT_UPDATE_DELETE = 1 | 4 | 8 | 16


@dataclass(frozen=True)
class InstalledTrigger:
    table: str
    name: str
    spec: TriggerSpec
    fires_on_every_change: bool
    enabled: bool


def _spec(args: list[str]) -> TriggerSpec:
    poc_column = args[0] if args else ""
    excluded = args[1].strip("{}") if len(args) > 1 else ""
    return TriggerSpec(poc_column, frozenset(column for column in excluded.split(",") if column))


def installed_triggers(connection) -> list[InstalledTrigger]:
    """Every trigger in the current schema that runs ``audit_capture``."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, t.tgname, t.tgtype, t.tgenabled, t.tgnargs, t.tgargs
                 FROM pg_trigger t
                 JOIN pg_class c ON c.oid = t.tgrelid
                 JOIN pg_proc p ON p.oid = t.tgfoid
                WHERE NOT t.tgisinternal AND p.proname = 'audit_capture'
                  AND c.relnamespace = current_schema()::regnamespace
                ORDER BY c.relname, t.tgname"""
        )
        rows = cursor.fetchall()
    triggers = []
    for table, name, tgtype, enabled, nargs, raw_args in rows:
        args = [arg.decode() for arg in bytes(raw_args).split(b"\0")[:nargs]]
        triggers.append(
            InstalledTrigger(
                table=table,
                name=name,
                spec=_spec(args),
                fires_on_every_change=tgtype == AFTER_EACH_ROW_INSERT_UPDATE_DELETE,
                enabled=enabled in ("O", "A"),
            )
        )
    return triggers


def migrated_triggers() -> dict[str, TriggerSpec]:
    """The audit triggers the migrations leave in place once all of them have run, by table."""
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    state: dict[str, TriggerSpec] = {}
    seen = set()
    for leaf in sorted(graph.leaf_nodes()):
        for key in graph.forwards_plan(leaf):
            if key in seen:
                continue
            seen.add(key)
            for operation in graph.nodes[key].operations:
                if isinstance(operation, AuditTrigger):
                    state[operation.table] = TriggerSpec(operation.poc_column, frozenset(operation.exclude))
                elif isinstance(operation, DropAuditTrigger):
                    state.pop(operation.table, None)
    return state


def declaration_problems(tables: list[Table] | None = None) -> list[tuple[Table, str]]:
    """Models that declare nothing, or declare something that does not fit them."""
    found = []
    for table in project_tables() if tables is None else tables:
        declaration = table.declaration
        if declaration is None:
            found.append(
                (
                    table,
                    f"{table.where} (table {table.name}) declares neither Audited(...) nor NotAudited(reason); "
                    "every project table says whether its changes are audited",
                )
            )
        elif isinstance(declaration, NotAudited) and not declaration.reason.strip():
            found.append((table, f"{table.where} is declared NotAudited without a reason"))
        elif isinstance(declaration, Audited):
            meta = table.model._meta
            for name in (declaration.poc_field, *declaration.exclude):
                if name and not any(name in (f.name, f.attname) for f in meta.concrete_fields):
                    found.append((table, f"{table.where} declares the field {name!r}, which it does not have"))
            if declaration.poc_field and not declaration.label:
                found.append(
                    (table, f"{table.where} appears in a PoC's activity feed, so its Audited(...) needs a label")
                )
    return found


@dataclass(frozen=True)
class Mismatch:
    """One table whose trigger (``actual``, None when absent) differs from its declaration (``expected``)."""

    table: str
    where: str
    expected: TriggerSpec | None
    actual: TriggerSpec | None

    def message(self, source: str) -> str:
        if self.actual is None:
            return f"{self.where} is declared audited but there is no trigger {trigger_name(self.table)} in {source}"
        if self.expected is None:
            return f"the trigger on {self.table} in {source} audits {self.where}, which is not declared audited"
        return (
            f"{self.where}: the trigger in {source} has {self.actual.describe()}; "
            f"the declaration asks for {self.expected.describe()}"
        )

    def operations(self) -> str:
        """The migration operations that bring the trigger in line with the declaration."""
        steps = []
        if self.actual is not None:
            steps.append(_operation("DropAuditTrigger", self.table, self.actual))
        if self.expected is not None:
            steps.append(_operation("AuditTrigger", self.table, self.expected))
        return ", then ".join(steps)


def _operation(name: str, table: str, spec: TriggerSpec) -> str:
    arguments = [repr(table)]
    if spec.poc_column:
        arguments.append(f"poc_column={spec.poc_column!r}")
    if spec.exclude:
        arguments.append(f"exclude={tuple(sorted(spec.exclude))!r}")
    return f"{name}({', '.join(arguments)})"


def compare(actual: dict[str, TriggerSpec]) -> list[Mismatch]:
    """Where ``actual`` (trigger arguments by table) disagrees with the declarations."""
    found = []
    tables = {table.name: table for table in project_tables()}
    audited = {name for name, table in tables.items() if table.audited}
    for name in sorted(audited):
        table = tables[name]
        try:
            expected = table.trigger_spec()
        except FieldDoesNotExist:
            continue  # reported by declaration_problems
        if actual.get(name) != expected:
            found.append(Mismatch(name, table.where, expected, actual.get(name)))
    for name in sorted(set(actual) - audited):
        where = tables[name].where if name in tables else "no project model"
        found.append(Mismatch(name, where, None, actual[name]))
    return found


def database_problems(connection) -> list[str]:
    """Every way the database's audit triggers disagree with the declarations (empty when they agree)."""
    triggers = installed_triggers(connection)
    found = [message for _table, message in declaration_problems()]
    by_table: dict[str, TriggerSpec] = {}
    for trigger in triggers:
        if trigger.table in by_table:
            found.append(f"{trigger.table} has more than one audit trigger, so each change is recorded twice")
        by_table[trigger.table] = trigger.spec
        if trigger.name != trigger_name(trigger.table):
            found.append(
                f"the audit trigger on {trigger.table} is named {trigger.name}, not {trigger_name(trigger.table)}"
            )
        if not trigger.fires_on_every_change:
            found.append(f"{trigger.name} does not fire after every inserted, updated and deleted row")
        if not trigger.enabled:
            found.append(f"{trigger.name} is disabled")
    return found + [mismatch.message("the database") for mismatch in compare(by_table)]
