"""The signed record is immutable (service, ORM, admin, database) and verifiable: each tamper is
detected by the verify page, the API and the command, naming what changed."""

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from apps.core.errors import ValidationFailed
from apps.decisions.models import Decision, Signature, Snapshot
from tests.decisions.helpers import awaiting, sign
from tests.factories import make_poc

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture
def signed(team, private_media):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    decision = sign(poc, people["decision_maker"], rationale="Quality is not there yet.")
    return poc, people, decision


def _raw(sql, params=(), *, without=None):
    """Run ``sql`` as the database owner would, with the named trigger(s) disabled for the statement."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred check pending while a trigger is switched
        for table, trigger in without or []:
            cursor.execute(f'ALTER TABLE {table} DISABLE TRIGGER "{trigger}"')
        cursor.execute(sql, params)
        for table, trigger in without or []:
            cursor.execute(f'ALTER TABLE {table} ENABLE TRIGGER "{trigger}"')


def _differences(poc, people, api_for, client_for):
    """What the API, the page and the command say: (API body, page HTML, command output)."""
    body = api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/decision/verify/").json()
    page = client_for(people["viewer"]).get(f"/pocs/{poc.pk}/graduation/verify/").content.decode()
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_decisions", stdout=out)
    return body, page, out.getvalue()


def test_an_untouched_decision_is_intact_everywhere(signed, api_for, client_for):
    poc, people, _ = signed
    assert api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/decision/verify/").json() == {
        "intact": True, "differences": []}
    assert "Intact" in client_for(people["portfolio"]).get(f"/pocs/{poc.pk}/graduation/verify/").content.decode()
    from io import StringIO

    out = StringIO()
    call_command("verify_decisions", stdout=out)
    assert ": intact" in out.getvalue()


def test_orm_save_queryset_update_and_raw_sql_are_refused(signed):
    _, _, decision = signed
    decision.outcome = "go"
    with pytest.raises(ValidationFailed, match="cannot be changed"):
        decision.save()
    with pytest.raises(ValidationFailed, match="cannot be changed"):
        Decision.objects.filter(pk=decision.pk).update(outcome="go")
    with pytest.raises(ValidationFailed):
        Signature.objects.all().delete()
    for sql in (
        "UPDATE decisions_decision SET outcome = 'go'",
        "DELETE FROM decisions_decision",
        "UPDATE decisions_signature SET printed_name = 'Someone else'",
        "DELETE FROM decisions_snapshot",
    ):
        with pytest.raises(DatabaseError, match="cannot be changed or deleted"), transaction.atomic():
            _raw(sql)
    assert Decision.objects.get().outcome == "no_go"


def test_the_admin_shows_the_record_read_only(signed, client_for):
    _, people, decision = signed
    client = client_for(people["admin"])
    change = f"/admin/decisions/decision/{decision.pk}/change/"
    assert client.get(change).status_code == 200
    client.post(change, {"outcome": "go", "rationale": "changed"})
    assert Decision.objects.get().outcome == "no_go"
    assert client.get(f"/admin/decisions/decision/{decision.pk}/delete/").status_code == 403


def test_a_decision_field_edited_with_raw_sql_is_named(signed, api_for, client_for):
    poc, people, decision = signed
    _raw("UPDATE decisions_decision SET rationale = 'Ship it.' WHERE id = %s", [decision.pk],
         without=[("decisions_decision", "decisions_decision_immutable"),
                  ("decisions_decision", "audit_decisions_decision")])
    body, page, out = _differences(poc, people, api_for, client_for)
    assert body["intact"] is False
    assert any(d.startswith(f"decision #{decision.pk}: rationale is 'Ship it.' now") for d in body["differences"])
    assert "record" in " ".join(body["differences"])  # the signature's record hash no longer holds
    assert "Not intact" in page and "Ship it." in page
    assert "rationale is &#x27;Ship it.&#x27;" in page or "rationale is 'Ship it.'" in page
    assert "NOT INTACT" in out and "rationale" in out


def test_an_edit_recorded_by_the_audit_trail_is_named_too(signed, api_for, client_for):
    poc, people, decision = signed
    _raw("UPDATE decisions_decision SET outcome = 'go' WHERE id = %s", [decision.pk],
         without=[("decisions_decision", "decisions_decision_immutable")])
    body, _, _ = _differences(poc, people, api_for, client_for)
    assert any("changed after signing (UPDATE" in d for d in body["differences"])
    assert any("outcome is \"go\" now" in d or "outcome is 'go' now" in d for d in body["differences"])


def test_a_changed_snapshot_byte_is_named(signed, api_for, client_for):
    poc, people, decision = signed
    content = bytes(Snapshot.objects.get().content)
    tampered = content.replace(b'"criteria_met":1', b'"criteria_met":6')
    assert tampered != content
    _raw("UPDATE decisions_snapshot SET content = %s WHERE decision_id = %s", [tampered, decision.pk],
         without=[("decisions_snapshot", "decisions_snapshot_immutable"),
                  ("decisions_snapshot", "audit_decisions_snapshot")])
    body, page, out = _differences(poc, people, api_for, client_for)
    assert any(d.startswith("snapshot: its bytes hash to") for d in body["differences"])
    assert any("criteria_met" in d for d in body["differences"])  # where the content differs
    assert "snapshot" in out


def test_a_signature_pointed_at_another_decision_is_named(signed, api_for, client_for):
    poc, people, decision = signed
    other = make_poc(lead=people["lead"], name="Second attempt", decision_maker=people["decision_maker"])
    other = awaiting(other, people, all_met=False)
    second = sign(other, people["decision_maker"])
    signature = Signature.objects.get(decision=decision)
    _raw("UPDATE decisions_signature SET decision_id = %s WHERE id = %s", [second.pk, signature.pk],
         without=[("decisions_signature", "decisions_signature_immutable"),
                  ("decisions_signature", "audit_decisions_signature")])
    body, _, out = _differences(poc, people, api_for, client_for)
    assert "signature: no signature points at this decision" in body["differences"]
    assert any(d.startswith(f"signature #{signature.pk}: decision_id is {second.pk} now") for d in body["differences"])
    other_body = api_for(people["portfolio"]).get(f"{BASE}/pocs/{other.pk}/decision/verify/").json()
    assert any("2 signatures point at this decision" in d for d in other_body["differences"])
    assert "NOT INTACT" in out


@pytest.mark.parametrize("tamper", ["delete", "reorder"])
def test_an_audit_row_deleted_or_reordered_is_named(signed, api_for, client_for, tamper):
    from apps.audit.models import AuditEvent

    poc, people, decision = signed
    inserted = AuditEvent.objects.get(table_name="decisions_decision", row_pk=str(decision.pk), op="INSERT")
    guard = [("audit_auditevent", "audit_event_append_only")]
    if tamper == "delete":
        _raw("DELETE FROM audit_auditevent WHERE id = %s", [inserted.pk], without=guard)
    else:
        following = AuditEvent.objects.filter(id__gt=inserted.pk).order_by("id").first()
        _raw("UPDATE audit_auditevent SET id = CASE id WHEN %s THEN -1 END WHERE id = %s", [inserted.pk, inserted.pk],
             without=guard)
        _raw("UPDATE audit_auditevent SET id = %s WHERE id = %s", [inserted.pk, following.pk], without=guard)
        _raw("UPDATE audit_auditevent SET id = %s WHERE id = -1", [following.pk], without=guard)
    body, page, out = _differences(poc, people, api_for, client_for)
    assert body["intact"] is False
    assert any(d.startswith("audit trail: event #") for d in body["differences"])
    if tamper == "delete":
        assert any("no record of it being written" in d for d in body["differences"])
    assert "audit trail" in out
