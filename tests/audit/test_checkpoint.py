"""The end of the audit chain is anchored: deleting its last events is noticed once a checkpoint exists."""

import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.audit.models import AuditCheckpoint, AuditEvent
from apps.audit.tasks import checkpoint as checkpoint_task
from apps.pocs import services

pytestmark = pytest.mark.django_db


def edit(poc, user, *sponsors):
    """Change the PoC's sponsor once per value, each change one audit event."""
    for sponsor in sponsors:
        poc.refresh_from_db()
        services.poc_update(poc=poc, user=user, changes={"sponsor_name": sponsor}, version=poc.version)


def as_owner_without_triggers(sql, params=()):
    """Do what an attacker with the tables' owner rights can: switch the append-only triggers off, write, on."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only")
        cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER audit_checkpoint_append_only")
        cursor.execute(sql, params)
        cursor.execute("ALTER TABLE audit_auditevent ENABLE TRIGGER audit_event_append_only")
        cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER audit_checkpoint_append_only")


def verify(*args):
    """Run verify_audit; return its output, or raise CommandError with its findings."""
    out = StringIO()
    call_command("verify_audit", *args, stdout=out)
    return out.getvalue()


def test_before_any_checkpoint_the_chain_verifies_and_the_end_is_reported_unanchored(poc, people):
    edit(poc, people["lead"], "One", "Two")
    output = verify()
    assert "Audit chain intact" in output
    assert "not anchored" in output
    assert "audit_checkpoint" in output


def test_audit_checkpoint_records_the_head_and_writes_it_to_the_log(poc, people, caplog):
    edit(poc, people["lead"], "One", "Two")
    head = AuditEvent.objects.order_by("-id").first()
    with caplog.at_level(logging.INFO, logger="apps.audit"):
        call_command("audit_checkpoint")
    anchor = AuditCheckpoint.objects.get()
    assert (anchor.event_id, anchor.hash) == (head.pk, head.hash)
    assert f"{head.pk}:{head.hash}" in caplog.text
    output = verify()
    assert "Audit chain intact" in output
    assert f"the chain reaches every checkpoint (1), the latest at event #{head.pk}" in output
    assert "0 events since" in output
    assert "not anchored" not in output


def test_deleting_the_last_events_after_a_checkpoint_makes_verify_fail_and_name_what_is_missing(poc, people):
    edit(poc, people["lead"], "One", "Two", "Three")
    call_command("audit_checkpoint")
    head, before_last, kept = AuditEvent.objects.order_by("-id")[:3]
    as_owner_without_triggers("DELETE FROM audit_auditevent WHERE id >= %s", [before_last.pk])
    with pytest.raises(CommandError) as refused:
        verify()
    message = str(refused.value)
    assert f"events up to #{head.pk} were checkpointed with hash {head.hash}" in message
    assert f"the chain now ends at #{kept.pk}" in message


@pytest.mark.parametrize("which", ["first", "middle", "checkpointed head"])
def test_deleting_any_event_up_to_the_checkpoint_makes_verify_fail(poc, people, which):
    edit(poc, people["lead"], "One", "Two", "Three")
    call_command("audit_checkpoint")
    edit(poc, people["lead"], "After the checkpoint")
    anchored = AuditCheckpoint.objects.get().event_id
    events = list(AuditEvent.objects.filter(id__lte=anchored).order_by("id").values_list("id", flat=True))
    target = {"first": events[0], "middle": events[len(events) // 2], "checkpointed head": anchored}[which]
    as_owner_without_triggers("DELETE FROM audit_auditevent WHERE id = %s", [target])
    with pytest.raises(CommandError) as refused:
        verify()
    if which == "checkpointed head":
        assert f"event #{anchored} is missing" in str(refused.value)
    else:
        assert "Audit chain broken at event" in str(refused.value)


def test_deleting_the_whole_trail_after_a_checkpoint_is_reported(poc, people):
    edit(poc, people["lead"], "One")
    call_command("audit_checkpoint")
    as_owner_without_triggers("DELETE FROM audit_auditevent")
    with pytest.raises(CommandError, match="the chain is now empty"):
        verify()


def test_a_head_copied_from_the_log_still_catches_a_truncation_when_the_checkpoints_are_deleted_too(poc, people):
    edit(poc, people["lead"], "One", "Two")
    call_command("audit_checkpoint")
    head = AuditCheckpoint.objects.get()
    as_owner_without_triggers("DELETE FROM audit_auditevent WHERE id = %s", [head.event_id])
    as_owner_without_triggers("DELETE FROM audit_auditcheckpoint")
    assert "not anchored" in verify()
    with pytest.raises(CommandError, match=f"events up to #{head.event_id} were checkpointed with hash {head.hash}"):
        verify("--checkpoint", f"{head.event_id}:{head.hash}")


def test_a_malformed_head_on_the_command_line_is_refused(poc):
    with pytest.raises(CommandError, match="not EVENT_ID:HASH"):
        verify("--checkpoint", "12:abc")


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_auditcheckpoint SET hash = repeat('0', 64)", "DELETE FROM audit_auditcheckpoint"],
)
def test_the_database_refuses_to_change_checkpoints(poc, statement):
    call_command("audit_checkpoint")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditCheckpoint.objects.count() == 1


def test_beat_runs_the_checkpoint_on_the_configured_schedule(settings, poc):
    from pocportal.celery import app

    entry = next(e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "audit.checkpoint")
    assert entry["schedule"] == settings.AUDIT_CHECKPOINT_MINUTES * 60
    assert "audit.checkpoint" in app.tasks
    checkpoint_task.delay()
    assert AuditCheckpoint.objects.get().event_id == AuditEvent.objects.order_by("-id").first().pk


def test_the_head_is_emailed_to_the_admins_when_they_are_configured(settings, mailoutbox, poc):
    settings.ADMINS = [("Operations", "ops@example.test")]
    call_command("audit_checkpoint")
    anchor = AuditCheckpoint.objects.get()
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ops@example.test"]
    assert f"{anchor.event_id}:{anchor.hash}" in mailoutbox[0].body
