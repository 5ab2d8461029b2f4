"""One chain per PoC: writes to different PoCs do not wait for each other, events are smaller, and every
chain is verified and anchored, the events written before chains were kept per PoC included."""

import hashlib
import json
from datetime import UTC, datetime
from io import StringIO

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from psycopg import errors

from apps.audit import selectors, sql
from apps.audit.models import AuditCheckpoint, AuditEvent
from apps.audit.verify import verify_chain
from apps.checklists.models import ChecklistItem
from apps.pocs import services
from apps.pocs.models import PoC
from tests.factories import ensure_default_template, make_poc, make_team


def verify(*args):
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def as_owner_without_triggers(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute(statement, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")


def other_connection():
    params = {k: v for k, v in connection.get_connection_params().items()
              if k not in ("cursor_factory", "context", "prepare_threshold")}
    return psycopg.connect(**params, autocommit=True)


@pytest.mark.django_db(transaction=True)
def test_a_write_to_one_poc_does_not_wait_for_an_open_write_to_another():
    ensure_default_template()  # an earlier committing test may have emptied the seeded template
    first, people = make_team()
    second = make_poc(lead=people["lead"], name="Second PoC")
    item_of_first = ChecklistItem.objects.filter(poc=first).first()
    with other_connection() as other, transaction.atomic():
        PoC.objects.filter(pk=first.pk).update(sponsor_name="Open, not committed")  # holds the first PoC's chain
        other.execute("SET lock_timeout = '2s'")
        other.execute("UPDATE pocs_poc SET sponsor_name = 'Written meanwhile' WHERE id = %s", [second.pk])
        other.execute("SET lock_timeout = '300ms'")
        with pytest.raises(errors.LockNotAvailable):  # another row of the same PoC: same chain, waits
            other.execute("UPDATE checklists_checklistitem SET notes = 'x' WHERE id = %s", [item_of_first.pk])
    assert AuditEvent.objects.filter(poc_id=second.pk, new_data__sponsor_name="Written meanwhile").exists()
    assert verify_chain().ok


@pytest.mark.django_db
class TestStorage:
    def test_an_update_stores_the_changed_columns_and_the_row_label_only(self, poc, people):
        services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Dana"}, version=poc.version)
        event = AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk)).last()
        assert event.chain_version == 2
        assert set(event.changed_fields) == {"sponsor_name", "version", "updated_at"}
        assert set(event.new_data) == {"sponsor_name", "version", "updated_at", "name"}
        assert set(event.old_data) == set(event.new_data)
        assert (event.old_data["sponsor_name"], event.new_data["sponsor_name"]) == ("", "Dana")
        assert event.new_data["name"] == poc.name  # unchanged, kept so the feed can name the row
        assert "description" not in event.new_data

    def test_an_insert_stores_the_new_row_and_a_delete_the_old_row(self, poc, people):
        created = AuditEvent.objects.get(table_name="pocs_poc", row_pk=str(poc.pk), op="INSERT")
        assert created.old_data is None and {"name", "description", "sponsor_name", "stage"} <= set(created.new_data)
        membership = poc.memberships.get(user=people["viewer"])
        pk = membership.pk
        services.membership_remove(membership=membership, user=people["lead"])
        deleted = AuditEvent.objects.get(table_name="pocs_membership", row_pk=str(pk), op="DELETE")
        assert deleted.new_data is None and deleted.old_data["role"] == "viewer"

    def test_the_feed_still_names_a_row_whose_label_did_not_change(self, client_for, poc, people):
        item = ChecklistItem.objects.filter(poc=poc).order_by("pk").first()
        ChecklistItem.objects.filter(pk=item.pk).update(notes="Checked with the owner")
        feed = selectors.activity_for_poc(poc.pk, limit=1)[0]
        assert feed.object_label == f"checklist item “{item.text}”"
        assert [(c.field, c.old, c.new) for c in feed.changes] == [("notes", item.notes, "Checked with the owner")]

    def test_the_label_columns_stored_are_those_the_feed_reads(self):
        assert set(sql.LABEL_COLUMNS) == set(selectors.LABEL_KEYS)


@pytest.mark.django_db(transaction=True)  # each service write its own transaction, as in production
class TestStatements:
    @pytest.fixture(autouse=True)
    def _no_follow_up_jobs(self, monkeypatch):
        """Only the write's own statements: after the commit the portfolio queues a summary refresh (a
        job, which the tests run in-process), counted in tests/portfolio, not here."""
        from apps.portfolio import services as portfolio

        monkeypatch.setattr(portfolio, "summary_request", lambda **kwargs: None)

    def test_a_service_edit_sends_one_statement_for_the_audit_context(self, poc, people):
        with CaptureQueriesContext(connection) as queries:
            services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Counted"}, version=poc.version)
        context_statements = [q["sql"] for q in queries.captured_queries if "set_config" in q["sql"]]
        assert len(context_statements) == 1
        assert len(queries) <= 6  # access check, BEGIN, context, lock and read, UPDATE, COMMIT

    def test_a_page_edit_sends_no_statement_of_the_middleware_and_still_records_the_request(
        self, client_for, poc, people
    ):
        client = client_for(people["lead"])
        with CaptureQueriesContext(connection) as queries:
            client.post(
                reverse("pocs:field", args=[poc.pk, "sponsor_name"]),
                {"sponsor_name": "Via page", "version": poc.version},
            )
        assert sum("set_config" in q["sql"] for q in queries.captured_queries) == 1
        event = AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk)).last()
        assert event.actor_id == people["lead"].pk
        assert event.context["path"] == f"/pocs/{poc.pk}/field/sponsor_name/"

    def test_a_write_outside_the_services_during_a_request_is_still_attributed(self, rf, poc, people):
        from apps.audit.middleware import AuditContextMiddleware

        def view(request):
            PoC.objects.filter(pk=poc.pk).update(sponsor_name="Outside a service")
            return None

        request = rf.post("/somewhere/")
        request.user = people["admin"]
        AuditContextMiddleware(view)(request)
        event = AuditEvent.objects.filter(table_name="pocs_poc", row_pk=str(poc.pk)).last()
        assert event.new_data["sponsor_name"] == "Outside a service"
        assert (event.actor_id, event.context["path"]) == (people["admin"].pk, "/somewhere/")
        with connection.cursor() as cursor:  # and reset after the request
            cursor.execute("SELECT current_setting('pocportal.actor_id', true)")
            assert cursor.fetchone()[0] in ("", None)


def _format_1_event(event_id, prev, poc_id, sponsor):
    """A format-1 event as the single global chain stored them, hashed the way format 1 did."""
    ts = datetime(2026, 1, 5, 9, 0, event_id % 60, tzinfo=UTC)
    new = json.dumps({"sponsor_name": sponsor})  # jsonb's own text form for one key
    material = "\x1f".join([prev, str(event_id), "pocs_poc", str(poc_id), str(poc_id), "UPDATE", "", new,
                            "sponsor_name", "", "{}", ts.strftime("%Y-%m-%dT%H:%M:%S.%fZ")])
    digest = hashlib.sha256(material.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (id, occurred_at, table_name, row_pk, poc_id, op, new_data, changed_fields,"
            " context, prev_hash, hash, chain_version) VALUES (%s, %s, 'pocs_poc', %s, %s, 'UPDATE', %s::jsonb,"
            " '{sponsor_name}', '{}', %s, %s, 1)",
            [event_id, ts, str(poc_id), poc_id, new, prev, digest],
        )
    return digest


@pytest.mark.django_db
class TestChains:
    def test_events_written_before_chains_per_poc_still_verify_and_are_anchored(self, poc):
        first = _format_1_event(900_001, sql.GENESIS_HASH, poc.pk, "Old one")
        second = _format_1_event(900_002, first, poc.pk, "Old two")
        assert verify_chain().ok
        call_command("audit_checkpoint")
        heads = AuditCheckpoint.objects.get().heads
        assert heads["v1"] == [900_002, second]
        assert heads[f"poc:{poc.pk}"][0] == AuditEvent.objects.filter(poc_id=poc.pk, chain_version=2).last().pk
        as_owner_without_triggers(
            "UPDATE audit_auditevent SET new_data = '{\"sponsor_name\": \"Forged\"}' WHERE id = %s", [900_001]
        )
        report = verify_chain()
        assert (report.first_broken_id, report.reason) == (900_001, "its content does not match its hash")

    def test_deleting_the_last_event_of_a_quiet_poc_after_a_checkpoint_is_noticed(self, poc, people):
        quiet = make_poc(lead=people["lead"], name="Quiet PoC")
        PoC.objects.filter(pk=quiet.pk).update(sponsor_name="Last word")
        services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Busy"}, version=poc.version)
        call_command("audit_checkpoint")
        last_of_quiet = AuditEvent.objects.filter(poc_id=quiet.pk).last()
        assert AuditEvent.objects.last().pk != last_of_quiet.pk  # not the newest event overall
        as_owner_without_triggers("DELETE FROM audit_auditevent WHERE id = %s", [last_of_quiet.pk])
        with pytest.raises(CommandError) as refused:
            verify()
        message = str(refused.value)
        assert f"events up to #{last_of_quiet.pk} were checkpointed with hash {last_of_quiet.hash}" in message
        assert f"the chain of PoC {quiet.pk}" in message

    def test_a_later_checkpoint_carries_the_heads_of_chains_not_written_since(self, poc, people):
        quiet = make_poc(lead=people["lead"], name="Quiet PoC")
        call_command("audit_checkpoint")
        for n in range(3):
            PoC.objects.filter(pk=poc.pk).update(sponsor_name=f"Busy {n}")
            call_command("audit_checkpoint")
        latest = AuditCheckpoint.objects.latest().heads
        assert latest[f"poc:{quiet.pk}"][0] == AuditEvent.objects.filter(poc_id=quiet.pk).last().pk
        assert latest[f"poc:{poc.pk}"][0] == AuditEvent.objects.filter(poc_id=poc.pk).last().pk
        output = verify()
        assert "Audit chain intact" in output and "the chain reaches every checkpoint (4)" in output
