"""The audit trail is complete, append-only and tamper-evident."""

import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.audit.verify import verify_chain
from apps.pocs import services
from apps.pocs.models import PoC

pytestmark = pytest.mark.django_db


def events_for(poc):
    return AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk)).order_by("id")


def test_a_service_edit_is_recorded_with_actor_and_old_and_new_values(poc, people):
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Dana"}, version=poc.version)
    event = events_for(poc).last()
    assert event.op == "UPDATE"
    assert event.actor_id == people["lead"].pk
    assert "sponsor_name" in event.changed_fields
    assert (event.old_data["sponsor_name"], event.new_data["sponsor_name"]) == ("", "Dana")


def test_a_bulk_update_is_recorded(poc):
    before = events_for(poc).count()
    PoC.objects.filter(pk=poc.pk).update(sponsor_name="Bulk sponsor")
    event = events_for(poc).last()
    assert events_for(poc).count() == before + 1
    assert event.new_data["sponsor_name"] == "Bulk sponsor"
    assert event.actor_id is None  # nobody named an actor: recorded all the same


def test_raw_sql_changes_are_recorded(poc):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE pocs_poc SET name = %s WHERE id = %s", ["Renamed by SQL", poc.pk])
    event = events_for(poc).last()
    assert event.changed_fields == ["name"]
    assert event.new_data["name"] == "Renamed by SQL"


def test_deleting_a_membership_is_recorded_against_the_poc(poc, people):
    membership = poc.memberships.get(user=people["viewer"])
    services.membership_remove(membership=membership, user=people["lead"])
    event = AuditEvent.objects.filter(table_name="pocs_membership", poc_id=poc.pk).last()
    assert event.op == "DELETE"
    assert event.old_data["user_id"] == people["viewer"].pk


def test_request_context_is_recorded_for_page_edits(client_for, poc, people):
    client_for(people["lead"]).post(
        reverse("pocs:field", args=[poc.pk, "sponsor_name"]),
        {"sponsor_name": "Via page", "version": poc.version},
        HTTP_USER_AGENT="pytest-browser",
    )
    event = events_for(poc).last()
    assert event.actor_id == people["lead"].pk
    assert event.context["path"] == f"/pocs/{poc.pk}/field/sponsor_name/"
    assert event.context["user_agent"] == "pytest-browser"
    assert len(event.context["request_id"]) == 32


def test_password_hashes_never_enter_the_trail(people):
    user = people["viewer"]
    user.set_password("another-long-password")
    user.save()
    for event in AuditEvent.objects.filter(table_name="accounts_user", row_pk=str(user.pk)):
        assert "password" not in (event.new_data or {})
        assert "password" not in (event.old_data or {})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET actor_id = NULL WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_the_database_refuses_to_change_audit_rows(poc, statement):
    event = events_for(poc).last()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_orm_cannot_delete_audit_rows(poc):
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(poc_id=poc.pk).delete()


def test_verify_audit_passes_on_an_untouched_chain(poc, people, capsys):
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "X"}, version=poc.version)
    assert verify_chain().ok
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out


def tamper(sql, params):
    """Edit audit rows the way an attacker with table-owner rights would: trigger off, change, on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def test_verify_audit_names_the_first_edited_event(poc, people):
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Honest"}, version=poc.version)
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Later"}, version=poc.version + 1)
    target = events_for(poc).filter(new_data__sponsor_name="Honest").get()
    tamper(
        "UPDATE audit_auditevent SET new_data = jsonb_set(new_data, '{sponsor_name}', '\"Forged\"') WHERE id = %s",
        [target.pk],
    )
    report = verify_chain()
    assert report.first_broken_id == target.pk
    with pytest.raises(CommandError, match=f"broken at event {target.pk}"):
        call_command("verify_audit")


def test_verify_audit_notices_a_deleted_event(poc, people):
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "One"}, version=poc.version)
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Two"}, version=poc.version + 1)
    removed = events_for(poc).filter(new_data__sponsor_name="One").get()
    tamper("DELETE FROM audit_auditevent WHERE id = %s", [removed.pk])
    report = verify_chain()
    assert report.first_broken_id is not None and report.first_broken_id > removed.pk
    assert "link" in report.reason


def test_activity_page_shows_who_changed_what_from_what_to_what(client_for, poc, people):
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Dana Director"}, version=poc.version)
    page = client_for(people["viewer"]).get(reverse("pocs:activity", args=[poc.pk])).content.decode()
    assert "Lead</strong> changed PoC" in page
    assert "Sponsor name</span>: <del>—</del> → <ins>Dana Director</ins>" in page
    # A named person is shown by name, not by id.
    services.poc_update(
        poc=poc, user=people["lead"], changes={"decision_maker": people["admin"]}, version=poc.version + 1
    )
    page = client_for(people["viewer"]).get(reverse("pocs:activity", args=[poc.pk])).content.decode()
    assert "<del>Decision Maker</del>" in page


def test_activity_page_reaches_the_oldest_change_through_pages(client_for, poc, people):
    for n in range(60):
        PoC.objects.filter(pk=poc.pk).update(sponsor_name=f"Sponsor {n}")
    client = client_for(people["viewer"])
    first = client.get(reverse("pocs:activity", args=[poc.pk])).content.decode()
    assert "Sponsor 59" in first and "Older →" in first
    assert "created PoC" not in first
    older = re.search(r'href="(\?before=\d+)"[^>]*>Older →', first).group(1)
    last = client.get(reverse("pocs:activity", args=[poc.pk]) + older.replace("&amp;", "&")).content.decode()
    assert "created PoC" in last and "← Newer" in last
