"""The REST API: same scope, same services, same refusals as the pages."""

import pytest

from apps.pocs.models import PoC
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def test_token_for_email_and_password(client):
    user = UserFactory(email="api@example.test")
    response = client.post(
        f"{BASE}/auth/token/", {"email": "API@example.test", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    me = client.get(f"{BASE}/users/me/", HTTP_AUTHORIZATION=f"Token {token}")
    assert me.status_code == 200
    assert me.json()["email"] == user.email


def test_wrong_password_gets_no_token(client):
    UserFactory(email="api2@example.test")
    response = client.post(
        f"{BASE}/auth/token/", {"email": "api2@example.test", "password": "wrong"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


def test_signed_out_api_answers_401_and_names_the_scheme(client, poc):
    for path in (f"{BASE}/pocs/", f"{BASE}/pocs/{poc.pk}/", f"{BASE}/users/me/"):
        response = client.get(path)
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"


def test_a_bad_token_answers_401(client):
    assert client.get(f"{BASE}/users/me/", HTTP_AUTHORIZATION="Token not-a-token").status_code == 401


def test_list_is_paginated_and_scoped(api_for, poc, people):
    UserFactory()
    body = api_for(people["viewer"]).get(f"{BASE}/pocs/").json()
    assert body["count"] == 1
    assert body["results"][0]["id"] == poc.pk
    assert api_for(people["outsider"]).get(f"{BASE}/pocs/").json()["count"] == 0


@pytest.mark.parametrize("path", ["", "members/", "activity/"])
def test_outsider_gets_404(api_for, poc, people, path):
    assert api_for(people["outsider"]).get(f"{BASE}/pocs/{poc.pk}/{path}").status_code == 404


def test_outsider_gets_404_on_writes(api_for, poc, people):
    api = api_for(people["outsider"])
    assert api.patch(f"{BASE}/pocs/{poc.pk}/", {"name": "x", "version": 1}, format="json").status_code == 404
    assert api.post(f"{BASE}/pocs/{poc.pk}/transition/", {"to": "kickoff"}, format="json").status_code == 404
    assert (
        api.post(
            f"{BASE}/pocs/{poc.pk}/members/", {"user": people["outsider"].pk, "role": "viewer"}, format="json"
        ).status_code
        == 404
    )


def test_create_makes_the_caller_lead(api_for, people):
    response = api_for(people["outsider"]).post(f"{BASE}/pocs/", {"name": "API PoC", "timebox_weeks": 6}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["lead"] == people["outsider"].pk
    assert body["stage"] == "draft"
    assert body["version"] == 1


def test_create_with_a_bad_field_names_it(api_for, people):
    response = api_for(people["lead"]).post(f"{BASE}/pocs/", {"name": "", "timebox_weeks": 99}, format="json")
    assert response.status_code == 400
    assert {"name", "timebox_weeks"} <= response.json().keys()
    assert not PoC.objects.filter(name="").exists()


def test_update_needs_the_version_and_refuses_a_stale_one(api_for, poc, people):
    api = api_for(people["lead"])
    assert api.patch(f"{BASE}/pocs/{poc.pk}/", {"sponsor_name": "A"}, format="json").status_code == 400
    ok = api.patch(f"{BASE}/pocs/{poc.pk}/", {"sponsor_name": "A", "version": poc.version}, format="json")
    assert ok.status_code == 200
    assert ok.json()["version"] == poc.version + 1
    stale = api.patch(f"{BASE}/pocs/{poc.pk}/", {"sponsor_name": "B", "version": poc.version}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"] == {"sponsor_name": "A"}
    assert stale.json()["current_version"] == poc.version + 1
    poc.refresh_from_db()
    assert poc.sponsor_name == "A"


def test_viewer_gets_403_on_update(api_for, poc, people):
    response = api_for(people["viewer"]).patch(
        f"{BASE}/pocs/{poc.pk}/", {"sponsor_name": "x", "version": 1}, format="json"
    )
    assert response.status_code == 403


def test_transition_refusal_lists_the_missing_conditions(api_for, people):
    from tests.factories import make_poc

    poc = make_poc(lead=people["lead"], timebox_weeks=None)
    api = api_for(people["lead"])
    assert api.post(f"{BASE}/pocs/{poc.pk}/transition/", {"to": "kickoff"}, format="json").status_code == 200
    refused = api.post(f"{BASE}/pocs/{poc.pk}/transition/", {"to": "running"}, format="json")
    assert refused.status_code == 400
    codes = {m["code"] for m in refused.json()["missing"]}
    assert {"production_owner_missing", "decision_maker_missing", "timebox_missing"} <= codes
    assert api.get(f"{BASE}/pocs/{poc.pk}/").json()["stage"] == "kickoff"


def test_transition_to_an_unknown_stage_is_a_400(api_for, poc, people):
    response = api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/transition/", {"to": "shipped"}, format="json")
    assert response.status_code == 400
    assert "to" in response.json()


def test_members_list_add_change_remove(api_for, poc, people):
    api = api_for(people["lead"])
    listed = api.get(f"{BASE}/pocs/{poc.pk}/members/").json()
    roles = {p["email"]: p["roles"] for p in listed}
    assert roles["lead@team.test"] == ["lead"]
    assert roles["viewer@team.test"] == ["viewer"]
    newcomer = UserFactory(email="new@team.test")
    added = api.post(f"{BASE}/pocs/{poc.pk}/members/", {"email": "new@team.test", "role": "contributor"}, format="json")
    assert added.status_code == 201
    membership_id = added.json()["id"]
    again = api.post(f"{BASE}/pocs/{poc.pk}/members/", {"user": newcomer.pk, "role": "viewer"}, format="json")
    assert again.status_code == 400
    assert "already a member" in again.json()["detail"]
    changed = api.patch(f"{BASE}/pocs/{poc.pk}/members/{membership_id}/", {"role": "viewer"}, format="json")
    assert changed.json()["role"] == "viewer"
    assert api.delete(f"{BASE}/pocs/{poc.pk}/members/{membership_id}/").status_code == 204
    assert newcomer.pk not in {p["user"] for p in api.get(f"{BASE}/pocs/{poc.pk}/members/").json()}


def test_contributor_cannot_add_members(api_for, poc, people):
    response = api_for(people["contributor"]).post(
        f"{BASE}/pocs/{poc.pk}/members/", {"user": people["outsider"].pk, "role": "viewer"}, format="json"
    )
    assert response.status_code == 403


def test_activity_shows_field_changes(api_for, poc, people):
    api = api_for(people["lead"])
    api.patch(f"{BASE}/pocs/{poc.pk}/", {"sponsor_name": "Dana", "version": poc.version}, format="json")
    body = api_for(people["viewer"]).get(f"{BASE}/pocs/{poc.pk}/activity/").json()
    newest = body["results"][0]
    assert newest["actor"] == "Lead"
    sponsor = next(c for c in newest["changes"] if c["field"] == "sponsor_name")
    assert (sponsor["old"], sponsor["new"]) == ("", "Dana")
    assert (sponsor["label"], sponsor["old_text"], sponsor["new_text"]) == ("Sponsor name", "—", "Dana")


def test_token_requests_need_no_csrf_but_session_writes_do(poc, people):
    from rest_framework.test import APIClient

    from apps.accounts.services import token_issue

    _, key = token_issue(user=people["lead"])
    api = APIClient(enforce_csrf_checks=True)
    response = api.patch(
        f"{BASE}/pocs/{poc.pk}/",
        {"sponsor_name": "T", "version": poc.version},
        format="json",
        HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 200
    session_api = APIClient(enforce_csrf_checks=True)
    session_api.force_login(people["lead"])
    response = session_api.patch(
        f"{BASE}/pocs/{poc.pk}/", {"sponsor_name": "S", "version": poc.version + 1}, format="json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_schema_is_served(client):
    client.force_login(UserFactory())
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"/api/v1/pocs/{id}/transition/" in response.content


def test_token_guessing_is_throttled_like_the_login_page(client, settings):
    UserFactory(email="guessed@example.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            f"{BASE}/auth/token/",
            {"email": "guessed@example.test", "password": "guess"},
            content_type="application/json",
        )
    response = client.post(
        f"{BASE}/auth/token/", {"email": "guessed@example.test", "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 429
    assert "token" not in response.json()


def test_transition_accepts_the_stage_as_it_is_written(api_for, people):
    from tests.factories import make_poc

    poc = make_poc(lead=people["lead"])
    response = api_for(people["lead"]).post(f"{BASE}/pocs/{poc.pk}/transition/", {"to": "Kickoff"}, format="json")
    assert response.status_code == 200
    assert response.json()["stage"] == "kickoff"
