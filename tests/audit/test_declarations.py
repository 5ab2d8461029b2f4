"""Every project table says whether it is audited, and the database holds exactly the declared triggers."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import connection

from apps.audit.checks import audit_declarations, audit_migrations
from apps.audit.declarations import Audited
from apps.audit.models import AuditEvent
from apps.audit.registry import project_tables, table_label, user_columns
from apps.audit.triggers import database_problems
from apps.core.models import Job

pytestmark = pytest.mark.django_db


def run(sql):
    with connection.cursor() as cursor:
        cursor.execute(sql)


def test_the_listing_covers_every_project_table_including_many_to_many_ones():
    tables = {table.name: table for table in project_tables()}
    for name in ("accounts_user", "accounts_user_groups", "pocs_poc", "checklists_checklistitem", "core_job"):
        assert name in tables
    assert tables["accounts_user_groups"].where == "accounts.User.groups"
    assert not tables["core_job"].audited and not tables["audit_auditevent"].audited
    assert "django_session" not in tables  # Django's own tables are not the project's to declare


def test_the_database_holds_exactly_the_declared_triggers():
    assert database_problems(connection) == []


def test_a_missing_trigger_is_reported():
    run("DROP TRIGGER audit_pocs_membership ON pocs_membership")
    assert database_problems(connection) == [
        "pocs.Membership is declared audited but there is no trigger audit_pocs_membership in the database"
    ]


def test_a_trigger_with_other_arguments_is_reported():
    run("DROP TRIGGER audit_accounts_user ON accounts_user")
    run(
        "CREATE TRIGGER audit_accounts_user AFTER INSERT OR UPDATE OR DELETE ON accounts_user "
        "FOR EACH ROW EXECUTE FUNCTION audit_capture('', '{password}')"
    )
    assert database_problems(connection) == [
        "accounts.User: the trigger in the database has poc column (none), excluded columns password; "
        "the declaration asks for poc column (none), excluded columns last_login, password, unread_notifications"
    ]


def test_a_trigger_on_the_wrong_poc_column_is_reported():
    run("DROP TRIGGER audit_checklists_checklistitem ON checklists_checklistitem")
    run(
        "CREATE TRIGGER audit_checklists_checklistitem AFTER INSERT OR UPDATE OR DELETE ON checklists_checklistitem "
        "FOR EACH ROW EXECUTE FUNCTION audit_capture('', '{}')"
    )
    [problem] = database_problems(connection)
    assert problem.startswith("checklists.ChecklistItem: the trigger in the database has poc column (none)")
    assert problem.endswith("the declaration asks for poc column poc_id, excluded columns none")


def test_a_disabled_or_partial_trigger_is_reported():
    run("ALTER TABLE pocs_poc DISABLE TRIGGER audit_pocs_poc")
    run("DROP TRIGGER audit_checklists_businesscase ON checklists_businesscase")
    run(
        "CREATE TRIGGER audit_checklists_businesscase AFTER INSERT OR UPDATE ON checklists_businesscase "
        "FOR EACH ROW EXECUTE FUNCTION audit_capture('poc_id', '{}')"
    )
    assert set(database_problems(connection)) == {
        "audit_pocs_poc is disabled",
        "audit_checklists_businesscase does not fire after every inserted, updated and deleted row",
    }


def test_a_trigger_on_a_table_declared_not_audited_is_reported():
    run(
        "CREATE TRIGGER audit_core_job AFTER INSERT OR UPDATE OR DELETE ON core_job "
        "FOR EACH ROW EXECUTE FUNCTION audit_capture('', '{}')"
    )
    assert database_problems(connection) == [
        "the trigger on core_job in the database audits core.Job, which is not declared audited"
    ]


def test_a_model_that_declares_nothing_fails_the_system_check(monkeypatch):
    assert audit_declarations() == []
    monkeypatch.delattr(Job, "audit")
    [error] = audit_declarations()
    assert error.id == "audit.E001"
    assert error.obj is Job
    assert "core.Job (table core_job) declares neither" in error.msg
    assert any("core.Job (table core_job) declares neither" in p for p in database_problems(connection))


def test_an_undeclared_many_to_many_table_fails_the_system_check(monkeypatch):
    from apps.accounts.models import User

    monkeypatch.setattr(User, "audit", Audited(exclude=("password", "last_login"), many_to_many={"groups": Audited()}))
    [error] = audit_declarations()
    assert "accounts.User.user_permissions (table accounts_user_user_permissions) declares neither" in error.msg


def test_a_declaration_naming_a_missing_field_or_lacking_a_label_fails_the_system_check(monkeypatch):
    monkeypatch.setattr(Job, "audit", Audited(poc_field="poc", exclude=("secret",)))
    messages = [error.msg for error in audit_declarations()]
    assert "core.Job declares the field 'poc', which it does not have" in messages
    assert "core.Job declares the field 'secret', which it does not have" in messages
    assert "core.Job appears in a PoC's activity feed, so its Audited(...) needs a label" in messages


def test_a_declaration_without_a_migration_fails_the_system_check(monkeypatch):
    assert audit_migrations() == []
    monkeypatch.setattr(Job, "audit", Audited())
    [error] = audit_migrations()
    assert error.id == "audit.E002"
    assert error.msg == "core.Job is declared audited but there is no trigger audit_core_job in the migrations"
    assert "AuditTrigger('core_job')" in error.hint


def test_a_changed_declaration_without_a_migration_fails_the_system_check(monkeypatch):
    from apps.pocs.models import Membership

    monkeypatch.setattr(Membership, "audit", Audited(poc_field="poc", exclude=("role",), label="membership"))
    [error] = audit_migrations()
    assert "the declaration asks for poc column poc_id, excluded columns role" in error.msg
    assert error.hint.startswith(
        "Add to a migration of the model's app: DropAuditTrigger('pocs_membership', poc_column='poc_id'), "
        "then AuditTrigger('pocs_membership', poc_column='poc_id', exclude=('role',))"
    )


def test_group_changes_are_recorded(people):
    group = Group.objects.create(name="Auditors")
    people["viewer"].groups.add(group)
    event = AuditEvent.objects.filter(table_name="accounts_user_groups").last()
    assert event.op == "INSERT"
    assert (event.new_data["user_id"], event.new_data["group_id"]) == (people["viewer"].pk, group.pk)


def test_labels_and_people_columns_come_from_the_models():
    assert table_label("checklists_checklistitem") == "checklist item"
    assert table_label("pocs_poc") == "PoC"
    assert user_columns("pocs_poc") == {
        "lead_id", "production_owner_id", "decision_maker_id", "sponsor_id", "created_by_id"
    }
    assert user_columns("pocs_membership") == {"user_id", "added_by_id"}
    assert user_columns("checklists_checklistitem") == {"owner_id"}


def test_verify_audit_reports_a_missing_trigger(capsys):
    call_command("verify_audit")
    assert "Audit triggers match the declarations" in capsys.readouterr().out
    run("DROP TRIGGER audit_checklists_acknowledgement ON checklists_acknowledgement")
    with pytest.raises(CommandError, match="no trigger audit_checklists_acknowledgement in the database"):
        call_command("verify_audit")
