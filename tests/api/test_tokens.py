"""API tokens expire, can be listed and revoked by their owner, and end with a password change.
The schema, Swagger UI and the browsable API need a signed-in caller."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.accounts.services import token_issue
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"


def _sign_in(client, user) -> str:
    response = client.post(
        f"{BASE}/auth/token/", {"email": user.email, "password": PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 200
    return response.json()["token"]


def _me(key: str) -> int:
    return Client().get(f"{BASE}/users/me/", HTTP_AUTHORIZATION=f"Token {key}").status_code


def test_each_sign_in_issues_a_token_valid_for_the_configured_days(client, settings):
    settings.API_TOKEN_TTL_DAYS = 2
    user = UserFactory()
    first, second = _sign_in(client, user), _sign_in(client, user)
    assert first != second
    assert _me(first) == 200 and _me(second) == 200
    token = ApiToken.objects.get(prefix=first[:8])
    assert token.expires - token.created == timedelta(days=2)
    assert first not in token.key_hash  # only a hash of the key is stored


def test_an_expired_token_answers_401(client):
    user = UserFactory()
    key = _sign_in(client, user)
    ApiToken.objects.filter(user=user).update(expires=timezone.now() - timedelta(seconds=1))
    response = Client().get(f"{BASE}/users/me/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


def test_the_owner_lists_their_tokens_without_the_keys(client):
    user, other = UserFactory(), UserFactory()
    keys = [_sign_in(client, user), _sign_in(client, user)]
    _sign_in(client, other)
    response = Client().get(f"{BASE}/auth/tokens/", HTTP_AUTHORIZATION=f"Token {keys[0]}")
    assert response.status_code == 200
    rows = response.json()
    assert {row["prefix"] for row in rows} == {key[:8] for key in keys}
    assert {"id", "created", "expires", "last_used", "created_from"} <= set(rows[0])
    for key in keys:
        assert key not in response.content.decode()


def test_the_owner_revokes_a_token_and_it_stops_working(client):
    user = UserFactory()
    kept, revoked = _sign_in(client, user), _sign_in(client, user)
    token_id = ApiToken.objects.get(prefix=revoked[:8]).pk
    response = Client().delete(f"{BASE}/auth/tokens/{token_id}/", HTTP_AUTHORIZATION=f"Token {kept}")
    assert response.status_code == 204
    assert _me(revoked) == 401
    assert _me(kept) == 200


def test_someone_elses_token_id_answers_404_and_the_token_keeps_working(client):
    owner, other = UserFactory(), UserFactory()
    key = _sign_in(client, owner)
    token_id = ApiToken.objects.get(prefix=key[:8]).pk
    response = Client().delete(f"{BASE}/auth/tokens/{token_id}/", HTTP_AUTHORIZATION=f"Token {_sign_in(client, other)}")
    assert response.status_code == 404
    assert _me(key) == 200


def test_signed_out_token_routes_answer_401(client):
    token, _ = token_issue(user=UserFactory())
    assert client.get(f"{BASE}/auth/tokens/").status_code == 401
    assert client.delete(f"{BASE}/auth/tokens/{token.pk}/").status_code == 401
    assert ApiToken.objects.filter(pk=token.pk).exists()


def test_a_password_change_revokes_every_token_but_signing_out_does_not(client):
    user = UserFactory()
    keys = [_sign_in(client, user), _sign_in(client, user)]
    client.force_login(user)
    client.post("/accounts/logout/")
    assert [_me(key) for key in keys] == [200, 200]
    user.set_password("another-long-password")
    user.save()
    assert [_me(key) for key in keys] == [401, 401]
    assert not ApiToken.objects.filter(user=user).exists()


def test_the_profile_page_lists_and_revokes_tokens(client):
    user, other = UserFactory(), UserFactory()
    key = token_issue(user=user)[1]
    others = token_issue(user=other)[0]
    client.force_login(user)
    page = client.get("/accounts/profile/")
    assert page.status_code == 200
    body = page.content.decode()
    assert f"{key[:8]}…" in body
    assert key not in body
    token = ApiToken.objects.get(user=user)
    assert client.post("/accounts/profile/", {"revoke": others.pk}).status_code == 404
    assert ApiToken.objects.filter(pk=others.pk).exists()
    response = client.post("/accounts/profile/", {"revoke": token.pk})
    assert response.status_code == 302
    assert _me(key) == 401
    assert "no API tokens" in client.get("/accounts/profile/").content.decode()


def test_revoking_on_the_profile_page_needs_the_csrf_token(client):
    user = UserFactory()
    token, key = token_issue(user=user)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(user)
    assert strict.post("/accounts/profile/", {"revoke": token.pk}).status_code == 403
    assert _me(key) == 200


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
def test_schema_and_docs_need_sign_in(client, path):
    signed_out = client.get(path)
    assert signed_out.status_code == 302
    assert signed_out["Location"].startswith("/accounts/login/?next=")
    assert client.get(path, HTTP_AUTHORIZATION="Token not-a-token").status_code == 401
    key = token_issue(user=UserFactory())[1]
    assert client.get(path, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    client.force_login(UserFactory())
    assert client.get(path).status_code == 200


def test_the_browsable_api_shows_nothing_when_signed_out(client, poc):
    response = client.get(f"{BASE}/pocs/", HTTP_ACCEPT="text/html")
    assert response.status_code == 401
    body = response.content.decode()
    assert "Sign in to use the API" in body
    assert "Pocs" not in body and "PoC" not in body.replace("PoC Portal", "")
    client.force_login(poc.lead)
    signed_in = client.get(f"{BASE}/pocs/", HTTP_ACCEPT="text/html")
    assert signed_in.status_code == 200
    assert poc.name in signed_in.content.decode()


def test_the_schema_command_still_works_without_a_request(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/auth/tokens/{id}/" in text
