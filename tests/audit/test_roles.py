"""The application can run as a database role that owns nothing and cannot rewrite the audit trail.

These tests create a real login role on the test database's server, grant it what
``manage.py grant_app_role`` grants, and connect as it. Creating a role needs the owner connection to
hold CREATEROLE; without it the tests are skipped locally and fail under ``CI=true``.
"""

import os
import secrets
import subprocess
import sys

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from psycopg import errors

from apps.audit.models import AuditCheckpoint, AuditEvent
from apps.audit.roles import create_login_role, quote
from tests.factories import make_team

pytestmark = pytest.mark.django_db(transaction=True)


def _cannot_create_roles(reason: str) -> None:
    message = f"The application-role tests need a database connection allowed to CREATE ROLE: {reason}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: these tests are required. {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def app_role(transactional_db):
    """A fresh login role granted by grant_app_role; yields a function that connects as it. Dropped after."""
    name = f"{connection.settings_dict['NAME']}_app"[:63]
    password = secrets.token_hex(16)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
            if cursor.fetchone():
                cursor.execute(f"DROP OWNED BY {quote(name)}")
                cursor.execute(f"DROP ROLE {quote(name)}")
            create_login_role(cursor, name, password)
    except Exception as exc:  # noqa: BLE001 (any refusal means the environment cannot run these tests)
        _cannot_create_roles(str(exc))
    opened = []

    def connect():
        settings = connection.settings_dict
        conn = psycopg.connect(
            host=settings["HOST"] or "127.0.0.1",
            port=settings["PORT"] or 5432,
            dbname=settings["NAME"],
            user=name,
            password=password,
            autocommit=True,
        )
        opened.append(conn)
        return conn

    call_command("grant_app_role", name)
    yield name, connect
    for conn in opened:
        conn.close()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP OWNED BY {quote(name)}")
        cursor.execute(f"DROP ROLE {quote(name)}")


def refused(conn, statement, params=()):
    """True when the database refuses ``statement`` for lack of a privilege."""
    try:
        conn.execute(statement, params)
    except errors.InsufficientPrivilege:
        return True
    return False


def test_the_app_role_cannot_change_remove_or_forge_audit_events(app_role):
    poc, _people = make_team()
    _name, connect = app_role
    conn = connect()
    event = AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk)).last()
    assert conn.execute("SELECT count(*) FROM audit_auditevent").fetchone()[0] == AuditEvent.objects.count()
    assert refused(conn, "UPDATE audit_auditevent SET actor_id = NULL WHERE id = %s", [event.pk])
    assert refused(conn, "DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert refused(conn, "TRUNCATE audit_auditevent")
    assert refused(
        conn,
        "INSERT INTO audit_auditevent (occurred_at, table_name, row_pk, op, changed_fields, context, prev_hash, hash)"
        " VALUES (now(), 'pocs_poc', '1', 'UPDATE', '{}', '{}', %s, %s)",
        [event.hash, "f" * 64],
    )
    assert refused(
        conn,
        "SELECT audit_append('pocs_poc', %s, %s, 'UPDATE', NULL, '{\"sponsor_name\": \"Forged\"}', "
        "'{sponsor_name}', NULL, '{}')",
        [str(poc.pk), poc.pk],
    )
    assert AuditEvent.objects.filter(pk=event.pk, actor_id=event.actor_id).exists()
    assert not AuditEvent.objects.filter(new_data__sponsor_name="Forged").exists()


def test_the_app_role_records_checkpoints_but_cannot_change_or_remove_them(app_role):
    make_team()
    _name, connect = app_role
    conn = connect()
    head = AuditEvent.objects.order_by("-id").first()
    assert conn.execute("SELECT checkpoint_event_id FROM audit_record_checkpoint()").fetchone()[0] == head.pk
    assert refused(conn, "UPDATE audit_auditcheckpoint SET hash = repeat('0', 64)")
    assert refused(conn, "DELETE FROM audit_auditcheckpoint")
    assert refused(conn, "TRUNCATE audit_auditcheckpoint")
    assert refused(
        conn,
        "INSERT INTO audit_auditcheckpoint (event_id, hash, recorded_at) VALUES (%s, %s, now())",
        [head.pk + 1000, "0" * 64],
    )
    assert list(AuditCheckpoint.objects.values_list("event_id", "hash")) == [(head.pk, head.hash)]


def test_the_app_role_writes_domain_rows_and_each_write_is_audited(app_role):
    poc, people = make_team()
    _name, connect = app_role
    conn = connect()
    with conn.transaction():
        conn.execute("SELECT set_config('pocportal.actor_id', %s, true)", [str(people["lead"].pk)])
        conn.execute("UPDATE pocs_poc SET sponsor_name = 'Written by the app role' WHERE id = %s", [poc.pk])
        conn.execute("INSERT INTO accounts_businessunit (name, code) VALUES ('Claims', 'claims')")
    poc.refresh_from_db()
    assert poc.sponsor_name == "Written by the app role"
    event = AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk)).last()
    assert event.new_data["sponsor_name"] == "Written by the app role"
    assert event.actor_id == people["lead"].pk
    assert AuditEvent.objects.filter(table_name="accounts_businessunit", op="INSERT", new_data__code="claims").exists()
    call_command("audit_checkpoint")
    call_command("verify_audit")  # the event the app role's write appended links up like any other


def test_the_app_role_owns_nothing_and_cannot_create_tables(app_role):
    name, connect = app_role
    conn = connect()
    owned = conn.execute(
        "SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = %s)", [name]
    ).fetchone()[0]
    assert owned == 0
    assert refused(conn, "CREATE TABLE app_role_owned (id int)")
    assert refused(conn, "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")


def test_grant_app_role_refuses_a_superuser_or_the_owner_itself():
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolname FROM pg_roles WHERE rolsuper OR rolname = current_user ORDER BY rolsuper DESC")
        roles = [name for (name,) in cursor.fetchall()]
    for role in roles:
        with pytest.raises(CommandError, match="Refused: .*(superuser|the owner of the tables)"):
            call_command("grant_app_role", role)


@pytest.mark.parametrize(("command", "expected_user"), [("migrate", "owner"), ("runserver", "app")])
def test_migrations_connect_as_the_owner_and_the_application_as_its_own_role(command, expected_user):
    script = (
        f"import sys; sys.argv = ['manage.py', {command!r}]; "
        "from pocportal import settings; print(settings.DATABASES['default']['USER'])"
    )
    env = {
        **os.environ,
        "DATABASE_URL": "postgres://app@db.example.test:5432/pocportal",
        "DATABASE_OWNER_URL": "postgres://owner@db.example.test:5432/pocportal",
    }
    result = subprocess.run(  # noqa: S603 (a fixed script run by this interpreter)
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == expected_user
