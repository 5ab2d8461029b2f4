"""Requesting and signing the go/no-go: who may, what is refused, and what a signature records."""

import threading

import pytest
from django.core import mail
from django.db import connection

from apps.audit.models import AuditEvent
from apps.decisions import selectors
from apps.decisions.models import Decision, SignAttempt, Signature, Snapshot
from apps.notifications.models import Notification
from apps.pocs import services as pocs
from apps.pocs.models import PoC, Stage
from tests.decisions.helpers import awaiting, http_request, sign
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


@pytest.fixture(autouse=True)
def _media(private_media):
    return private_media


def _sign_body(poc, **changes):
    body = {"password": PASSWORD, "outcome": "no_go", "rationale": "Not good enough yet.", "conditions": "",
            "snapshot_sha256": selectors.current_snapshot_sha256(PoC.objects.get(pk=poc.pk))}
    body.update(changes)
    return body


# --- Requesting ------------------------------------------------------------------------------------


def test_the_lead_requests_a_decision_and_the_decision_maker_is_told(team, api_for, django_capture_on_commit_callbacks):
    poc, people = team
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.RUNNING)  # a no-go can come early
    api = api_for(people["lead"])
    refused = api.post(f"{BASE}/pocs/{poc.pk}/decision/request/")
    assert refused.status_code == 400
    assert [m["code"] for m in refused.json()["missing"]] == ["decision_due_date_missing"]
    PoC.objects.filter(pk=poc.pk).update(decision_due_date="2030-01-31")
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"{BASE}/pocs/{poc.pk}/decision/request/")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["status"] == "awaiting"
    assert body["due_date"] == "2030-01-31"
    assert body["decision_maker"] == {"id": people["decision_maker"].pk, "name": "Decision Maker"}
    assert body["criteria_met"] == 1 and len(body["snapshot_sha256"]) == 64
    assert PoC.objects.get(pk=poc.pk).stage == Stage.AWAITING_DECISION
    note = Notification.objects.get(user=people["decision_maker"], kind="decisions.requested")
    assert note.url == f"/pocs/{poc.pk}/graduation/decision/"
    assert [m.to for m in mail.outbox] == [[people["decision_maker"].email]]
    assert "31 January 2030" in mail.outbox[0].body


@pytest.mark.parametrize("how", ["stage panel", "api transition"])
def test_a_plain_stage_move_to_awaiting_decision_is_a_request_too(team, api_for, client_for, how,
                                                                   django_capture_on_commit_callbacks):
    poc, people = team
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.EVALUATING, decision_due_date="2030-01-31")
    with django_capture_on_commit_callbacks(execute=True):
        if how == "stage panel":
            answer = client_for(people["lead"]).post(f"/pocs/{poc.pk}/transition/", {"to": "awaiting_decision"})
            assert answer.status_code == 302
        else:
            answer = api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/transition/", {"to": "awaiting_decision"},
                                                  format="json")
            assert answer.status_code == 200, answer.json()
    assert PoC.objects.get(pk=poc.pk).stage == Stage.AWAITING_DECISION
    note = Notification.objects.get(user=people["decision_maker"], kind="decisions.requested")
    assert note.url == f"/pocs/{poc.pk}/graduation/decision/"
    assert [m.to for m in mail.outbox] == [[people["decision_maker"].email]]
    body = api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/decision/").json()
    assert body["status"] == "awaiting" and body["due_date"] == "2030-01-31"


def test_a_draft_cannot_request_and_only_managers_may(team, api_for):
    poc, people = team
    PoC.objects.filter(pk=poc.pk).update(decision_due_date="2030-01-31")
    assert api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/decision/request/").status_code == 400
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.KICKOFF)
    for role in ("contributor", "viewer", "decision_maker"):
        assert api_for(people[role]).post(f"{BASE}/pocs/{poc.pk}/decision/request/").status_code == 403
    assert api_for(people["outsider"]).post(f"{BASE}/pocs/{poc.pk}/decision/request/").status_code == 404


def test_the_due_date_shows_in_the_header_while_awaiting(team, client_for):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    page = client_for(people["viewer"]).get(f"/pocs/{poc.pk}/").content.decode()
    assert f"Decision due {poc.decision_due_date:%-d %b %Y}" in page


# --- Who signs -------------------------------------------------------------------------------------


def test_only_the_named_decision_maker_signs(team, api_for):
    poc, people = team
    poc = awaiting(poc, people)
    url = f"{BASE}/pocs/{poc.pk}/decision/sign/"
    for role in ("lead", "admin", "contributor", "viewer", "portfolio", "production_owner"):
        answer = api_for(people[role]).post(url, _sign_body(poc), format="json")
        assert answer.status_code == 403, role
    assert api_for(people["outsider"]).post(url, _sign_body(poc), format="json").status_code == 404
    assert not Decision.objects.exists()
    answer = api_for(people["decision_maker"]).post(url, _sign_body(poc), format="json")
    assert answer.status_code == 201, answer.json()


def test_a_signed_no_go_records_who_when_and_what_it_means(team, api_for):
    poc, people = team
    dm = people["decision_maker"]
    dm.time_zone = "Europe/Paris"
    dm.title = "Chief Operating Officer"
    dm.save()
    poc = awaiting(poc, people, all_met=False)
    answer = api_for(dm).post(f"{BASE}/pocs/{poc.pk}/decision/sign/", _sign_body(poc), format="json")
    assert answer.status_code == 201
    body = answer.json()
    assert body["status"] == "signed" and body["outcome"] == "no_go"
    assert body["signed_by"] == {"id": dm.pk, "name": "Decision Maker"}
    assert body["time_zone"] == "Europe/Paris"
    assert body["meaning"] == "Declines production deployment of Claims triage PoC"
    assert body["rationale"] == "Not good enough yet."
    signature = Signature.objects.get()
    assert signature.signed_at.isoformat() == body["signed_at"]
    assert signature.local_time.endswith("(Europe/Paris)") and ("CET" in signature.local_time or "CEST" in
                                                                signature.local_time)
    assert PoC.objects.get(pk=poc.pk).stage == Stage.DECIDED
    assert Snapshot.objects.get().sha256 == body["snapshot_sha256"] == signature.snapshot_sha256
    # What the GET says afterwards is the same record.
    assert api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/decision/").json() == body


def test_the_decided_poc_is_read_only_afterwards(team):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    sign(poc, people["decision_maker"])
    poc = PoC.objects.get(pk=poc.pk)
    with pytest.raises(Exception, match="decided PoC cannot be changed"):
        pocs.poc_update(poc=poc, user=people["admin"], changes={"name": "x"}, version=poc.version)


# --- Go and no-go ----------------------------------------------------------------------------------


def test_go_is_refused_below_six_criteria_naming_them_and_no_go_is_allowed(team, api_for):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    api = api_for(people["decision_maker"])
    url = f"{BASE}/pocs/{poc.pk}/decision/sign/"
    refused = api.post(url, _sign_body(poc, outcome="go"), format="json")
    assert refused.status_code == 409
    assert "Go needs all 6 criteria" in refused.json()["detail"]
    assert [u.split(".")[0] for u in refused.json()["unmet"]] == ["1", "2", "3", "4", "5"]
    assert not Decision.objects.exists()
    assert api.post(url, _sign_body(poc, outcome="no_go"), format="json").status_code == 201


def test_go_is_signed_when_all_six_are_met(team, api_for):
    poc, people = team
    poc = awaiting(poc, people)
    body = _sign_body(poc, outcome="go", conditions="Monitor drift weekly.")
    answer = api_for(people["decision_maker"]).post(f"{BASE}/pocs/{poc.pk}/decision/sign/", body, format="json")
    assert answer.status_code == 201, answer.json()
    assert answer.json()["meaning"] == "Approves production deployment of Claims triage PoC"
    assert answer.json()["conditions"] == "Monitor drift weekly."


@pytest.mark.parametrize("changes, field", [
    ({"outcome": "maybe"}, "outcome"),
    ({"outcome": "later"}, "outcome"),
    ({"rationale": "   "}, "rationale"),
    ({"rationale": None}, "rationale"),
])
def test_another_outcome_or_no_rationale_is_400(team, api_for, changes, field):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    body = {k: v for k, v in _sign_body(poc, **changes).items() if v is not None}
    answer = api_for(people["decision_maker"]).post(f"{BASE}/pocs/{poc.pk}/decision/sign/", body, format="json")
    assert answer.status_code == 400
    assert field in answer.json()
    assert not Decision.objects.exists()


# --- Password, stale evidence, double submit ------------------------------------------------------------


def test_a_wrong_password_is_refused_counted_audited_and_told(team, api_for, settings,
                                                              django_capture_on_commit_callbacks):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    dm = people["decision_maker"]
    api = api_for(dm)
    url = f"{BASE}/pocs/{poc.pk}/decision/sign/"
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(url, _sign_body(poc, password="not-my-password"), format="json")
    assert answer.status_code == 403
    assert "password is wrong" in answer.json()["detail"]
    assert not Decision.objects.exists()
    attempt = SignAttempt.objects.get()
    assert attempt.user == dm and attempt.reason == "wrong password"
    assert AuditEvent.objects.filter(table_name="decisions_signattempt", poc_id=poc.pk).count() == 1
    assert Notification.objects.filter(user=dm, kind="decisions.sign_refused").count() == 1
    assert any("was refused" in m.subject for m in mail.outbox)
    # Counted toward the sign-in lockout: after the limit even the right password is refused.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        api.post(url, _sign_body(poc, password="still-wrong"), format="json")
    locked = api.post(url, _sign_body(poc), format="json")
    assert locked.status_code in (403, 429)
    assert not Decision.objects.exists()
    assert api_for(None).post(f"{BASE}/auth/token/", {"email": dm.email, "password": PASSWORD},
                              format="json").status_code in (400, 429)


def test_a_missing_password_is_refused(team, api_for):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    body = _sign_body(poc)
    del body["password"]
    answer = api_for(people["decision_maker"]).post(f"{BASE}/pocs/{poc.pk}/decision/sign/", body, format="json")
    assert answer.status_code == 400
    assert "password" in answer.json()
    empty = api_for(people["decision_maker"]).post(f"{BASE}/pocs/{poc.pk}/decision/sign/",
                                                   _sign_body(poc, password=""), format="json")
    assert empty.status_code in (400, 403)
    assert not Decision.objects.exists()


def test_a_stale_snapshot_hash_is_409(team, api_for):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    seen = selectors.current_snapshot_sha256(poc)
    PoC.objects.filter(pk=poc.pk).update(production_owner_budget_line="OPS-9")  # the evidence moves on
    answer = api_for(people["decision_maker"]).post(
        f"{BASE}/pocs/{poc.pk}/decision/sign/", _sign_body(poc, snapshot_sha256=seen), format="json")
    assert answer.status_code == 409
    assert "evidence changed" in answer.json()["detail"]
    assert not Decision.objects.exists()


def test_a_second_signature_is_409(team, api_for):
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    api = api_for(people["decision_maker"])
    body = _sign_body(poc)
    assert api.post(f"{BASE}/pocs/{poc.pk}/decision/sign/", body, format="json").status_code == 201
    again = api.post(f"{BASE}/pocs/{poc.pk}/decision/sign/", body, format="json")
    assert again.status_code == 409
    assert Signature.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submits_give_exactly_one_signature(private_media):
    from tests.factories import ensure_default_template, make_team

    ensure_default_template()
    poc, people = make_team()
    poc = awaiting(poc, people)
    digest = selectors.current_snapshot_sha256(poc)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def submit():
        try:
            barrier.wait()
            sign(poc, people["decision_maker"], digest=digest)
            outcomes.append("signed")
        except Exception as exc:  # noqa: BLE001  (the refusal is what is counted)
            outcomes.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["SignConflict", "signed"]
    assert Signature.objects.count() == 1 and Decision.objects.count() == 1


def test_the_request_object_is_required_for_reauthentication(team):
    """The password is checked through the sign-in backends, which need the request (address, lockout)."""
    poc, people = team
    poc = awaiting(poc, people, all_met=False)
    assert http_request().META["REMOTE_ADDR"] == "127.0.0.1"
    sign(poc, people["decision_maker"])
    assert Decision.objects.get().outcome == "no_go"


def test_the_demo_leaves_the_evaluating_poc_ready_for_a_decision_request(settings):
    from django.core.management import call_command

    from apps.pocs.stages import missing_for

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    poc = PoC.objects.get(stage=Stage.EVALUATING)
    assert poc.decision_maker.email == "exec@demo.local"
    assert missing_for(poc, Stage.AWAITING_DECISION) == []
    row = services_request(poc)
    assert row.decision_maker.email == "exec@demo.local"


def services_request(poc):
    from apps.decisions.services import decision_request

    return decision_request(poc=poc, user=poc.lead)
