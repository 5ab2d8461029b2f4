"""Look-alike spellings of an address: one lockout, one account, one stored spelling.

PostgreSQL's ``UPPER()`` maps ``ſ`` to S and ``ı`` to I, so a case-insensitive lookup found the
account for spellings the throttle counted apart: each spelling got its own five guesses.
"""

import importlib

import pytest
from axes.models import AccessAttempt
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError

from apps.accounts.emails import canonical_email, lockout_key
from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "bf2@business.test"
LOOK_ALIKES = [
    "bf2@buſiness.test",  # long s
    "BF2@BUSİNESS.TEST",  # capital I with a dot
    "bf2@busıness.test",  # dotless i
    "ｂｆ２@business.test",  # full-width
    "bf2@bυsiness.test",  # Greek upsilon
]
LOGIN = "/accounts/login/"
TOKEN = "/api/v1/auth/token/"


def _lock_out(client, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(LOGIN, {"email": ADDRESS, "password": "guess"})


@pytest.mark.parametrize("spelling", LOOK_ALIKES)
def test_a_look_alike_spelling_with_the_right_password_is_locked_out_too(client, settings, spelling):
    UserFactory(email=ADDRESS)
    _lock_out(client, settings)
    response = client.post(LOGIN, {"email": spelling, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    api = client.post(TOKEN, {"email": spelling, "password": PASSWORD}, content_type="application/json")
    assert api.status_code == 429
    assert "token" not in api.json()


def test_failures_under_look_alike_spellings_count_towards_the_same_lockout(client, settings):
    UserFactory(email=ADDRESS)
    guesses = LOOK_ALIKES[: settings.AXES_FAILURE_LIMIT]
    assert len(guesses) == settings.AXES_FAILURE_LIMIT
    for spelling in guesses:
        answer = client.post(LOGIN, {"email": spelling, "password": "guess"})
        assert answer.status_code in (200, 429)
    response = client.post(LOGIN, {"email": ADDRESS, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {ADDRESS}


def test_the_api_counts_look_alike_failures_against_the_address(client, settings):
    UserFactory(email=ADDRESS)
    for spelling in LOOK_ALIKES[: settings.AXES_FAILURE_LIMIT]:
        client.post(TOKEN, {"email": spelling, "password": "guess"}, content_type="application/json")
    response = client.post(TOKEN, {"email": ADDRESS, "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 429


def test_only_the_canonical_spelling_finds_the_account(client):
    """Case and full-width letters fold to the stored address; a look-alike letter that survives
    NFKC and case folding finds no account, whatever the password."""
    user = UserFactory(email=ADDRESS)
    refused = client.post(LOGIN, {"email": "bf2@busıness.test", "password": PASSWORD})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    signed_in = client.post(LOGIN, {"email": "BF2@Business.TEST", "password": PASSWORD})
    assert signed_in.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_accounts_store_the_canonical_address_and_refuse_look_alike_letters():
    user = User.objects.create_user("Ｍixed@Example.TEST", "a-long-enough-password", full_name="Mixed")
    assert user.email == "mixed@example.test"
    with pytest.raises(ValidationError):
        User.objects.create_user("bf2@busıness.test", "a-long-enough-password", full_name="Look-alike")
    person = User(email="bf2@bυsiness.test", full_name="Greek upsilon")
    person.set_password("a-long-enough-password")
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "email" in refused.value.message_dict


def test_an_address_differing_only_in_case_is_the_same_account():
    UserFactory(email=ADDRESS)
    person = User(email="BF2@buſiness.TEST", full_name="Copy")
    person.set_password("a-long-enough-password")
    with pytest.raises(ValidationError) as refused:
        person.full_clean()
    assert "email" in refused.value.message_dict


def test_the_lockout_key_maps_every_look_alike_to_the_address():
    assert {lockout_key(spelling) for spelling in LOOK_ALIKES} == {ADDRESS}
    assert canonical_email("bf2@buſiness.test") == ADDRESS
    assert canonical_email("bf2@busıness.test") != ADDRESS


def test_the_migration_stores_existing_addresses_in_canonical_form():
    kept = UserFactory(email="kept@example.test")
    mixed = UserFactory(email="other@example.test")
    User.objects.filter(pk=mixed.pk).update(email="Ｍixed.Case@Example.TEST")
    clash = UserFactory(email="clash@example.test")
    User.objects.filter(pk=clash.pk).update(email="KEPT@example.test")
    migration = importlib.import_module("apps.accounts.migrations.0004_api_tokens")
    migration.canonical_emails(django_apps, None)
    mixed.refresh_from_db()
    clash.refresh_from_db()
    kept.refresh_from_db()
    assert mixed.email == "mixed.case@example.test"
    assert kept.email == "kept@example.test"
    assert clash.email == "KEPT@example.test"  # left for an administrator: the canonical form is taken
