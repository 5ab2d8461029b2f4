"""What the application's database role may do, when it is not the role that owns the tables.

The owner (``DATABASE_OWNER_URL``) runs the migrations, so it owns every table and the audit
functions. The application (``DATABASE_URL``) then gets exactly:
- SELECT, INSERT, UPDATE, DELETE on the domain tables (and USAGE on their sequences): its writes fire
  the audit triggers, whose function runs as the owner (SECURITY DEFINER) and appends the events;
- SELECT only on the audit tables and on ``django_migrations``: no INSERT, UPDATE, DELETE or TRUNCATE,
  so it can neither forge, edit nor remove an event or a checkpoint;
- EXECUTE on ``audit_record_checkpoint()`` (how beat anchors the chain), never on ``audit_append()``.
Nothing else: no TRUNCATE, REFERENCES or TRIGGER anywhere, and it owns nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.db.migrations.recorder import MigrationRecorder

DML = "SELECT, INSERT, UPDATE, DELETE"
APPEND = "audit_append(text, text, bigint, text, jsonb, jsonb, text[], bigint, jsonb)"
CHECKPOINT = "audit_record_checkpoint()"


class RoleRefused(Exception):
    """The role cannot be made an application role (a superuser, say, whom no grant limits)."""


@dataclass
class Grants:
    role: str
    writable: list[str] = field(default_factory=list)
    read_only: list[str] = field(default_factory=list)
    sequences: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"Role {self.role}: may read and write {len(self.writable)} tables and use {len(self.sequences)} of "
            f"their sequences; may only read {', '.join(self.read_only)}; may call {CHECKPOINT} but not "
            "audit_append(); owns nothing and may TRUNCATE nothing."
        )


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def read_only_tables() -> set[str]:
    """The audit app's tables and the migration record: the application reads them, never writes them."""
    audit_tables = {model._meta.db_table for model in apps.get_app_config("audit").get_models()}
    return audit_tables | {MigrationRecorder.Migration._meta.db_table}


def role_exists(cursor, role: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    return cursor.fetchone() is not None


def create_login_role(cursor, role: str, password: str | None) -> None:
    """Create ``role`` (LOGIN, nothing else) if missing; set its password when one is given."""
    verb = "ALTER" if role_exists(cursor, role) else "CREATE"
    if password:
        cursor.execute(f"{verb} ROLE {quote(role)} LOGIN PASSWORD %s", [password])
    else:
        cursor.execute(f"{verb} ROLE {quote(role)} LOGIN")


def _check_role(cursor, role: str) -> None:
    cursor.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = %s", [role])
    row = cursor.fetchone()
    if row is None:
        raise RoleRefused(f"there is no database role {role}")
    if row[0] or row[1]:
        raise RoleRefused(f"{role} is a superuser (or bypasses row security): no grant would limit it")
    cursor.execute("SELECT current_user")
    if cursor.fetchone()[0] == role:
        raise RoleRefused(f"{role} is the role this command connects as, the owner of the tables")
    cursor.execute(
        """SELECT c.relname FROM pg_class c
            WHERE c.relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)
              AND c.relnamespace = current_schema()::regnamespace ORDER BY 1""",
        [role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        raise RoleRefused(f"{role} owns {', '.join(owned)}; the application's role must own nothing")


def grant_app_role(cursor, role: str) -> Grants:
    """Give ``role`` exactly the rights the module docstring lists, in the current schema (idempotent)."""
    _check_role(cursor, role)
    who = quote(role)
    grants = Grants(role)
    read_only = read_only_tables()
    cursor.execute(
        """SELECT c.relname, c.relkind, owner.relname
             FROM pg_class c
             LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass
                                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
             LEFT JOIN pg_class owner ON owner.oid = d.refobjid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p', 'S')
            ORDER BY c.relkind, c.relname"""
    )
    relations = cursor.fetchall()
    cursor.execute(f"GRANT USAGE ON SCHEMA {quote_schema(cursor)} TO {who}")
    for name, kind, table in relations:
        if kind == "S":
            cursor.execute(f"REVOKE ALL ON SEQUENCE {quote(name)} FROM {who}")
            if table not in read_only:
                cursor.execute(f"GRANT USAGE, SELECT ON SEQUENCE {quote(name)} TO {who}")
                grants.sequences.append(name)
            continue
        cursor.execute(f"REVOKE ALL ON TABLE {quote(name)} FROM {who}")
        if name in read_only:
            cursor.execute(f"GRANT SELECT ON TABLE {quote(name)} TO {who}")
            grants.read_only.append(name)
        else:
            cursor.execute(f"GRANT {DML} ON TABLE {quote(name)} TO {who}")
            grants.writable.append(name)
    cursor.execute(f"REVOKE ALL ON FUNCTION {APPEND} FROM PUBLIC, {who}")
    cursor.execute(f"GRANT EXECUTE ON FUNCTION {CHECKPOINT} TO {who}")
    return grants


def quote_schema(cursor) -> str:
    cursor.execute("SELECT current_schema()")
    return quote(cursor.fetchone()[0])
