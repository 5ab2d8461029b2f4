"""Signing in and out: Argon2 hashes, a fresh session key, and a throttle on guessing."""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2():
    user = User.objects.create_user("new@example.test", "a-long-enough-password", full_name="New Person")
    assert user.password.startswith("argon2")


def test_sign_in_with_email_and_password_rotates_the_session_key(client):
    user = UserFactory(email="signin@example.test")
    client.get(reverse("accounts:login"))
    session = client.session
    session["probe"] = 1
    session.save()
    before = client.session.session_key
    response = client.post(reverse("accounts:login"), {"email": "signin@example.test", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("pocs:list")
    assert client.session.session_key != before
    assert int(client.session["_auth_user_id"]) == user.pk


def test_a_wrong_password_is_refused_with_a_message(client):
    UserFactory(email="wrong@example.test")
    response = client.post(reverse("accounts:login"), {"email": "wrong@example.test", "password": "nope"})
    assert response.status_code == 200
    assert "correct email and password" in response.content.decode().lower()


def test_repeated_failures_lock_the_email_out_even_with_the_right_password(client, settings):
    UserFactory(email="target@example.test")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("accounts:login"), {"username": "target@example.test", "password": "guess"})
    response = client.post(reverse("accounts:login"), {"username": "target@example.test", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def test_sign_out_ends_the_session(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("pocs:list")).status_code == 302


def test_seed_demo_is_idempotent_and_gives_every_role(capsys):
    from django.core.management import call_command

    from apps.pocs.models import PoC

    call_command("seed_demo")
    call_command("seed_demo")
    assert PoC.objects.count() == 3
    assert sorted(PoC.objects.values_list("stage", flat=True)) == ["evaluating", "kickoff", "running"]
    lead = User.objects.get(email="lead@demo.local")
    assert lead.check_password("demo-pass-2026")
    for poc in PoC.objects.all():
        assert poc.lead == lead
        assert poc.production_owner.email == "owner@demo.local"
        assert poc.decision_maker.email == "exec@demo.local"
        roles = dict(poc.memberships.values_list("user__email", "role"))
        assert roles == {"contributor@demo.local": "contributor", "viewer@demo.local": "viewer"}
    outsider = User.objects.get(email="outsider@demo.local")
    assert not PoC.objects.visible_to(outsider).exists()
    assert PoC.objects.visible_to(User.objects.get(email="exec@demo.local")).count() == 3
    assert "outsider@demo.local" in capsys.readouterr().out


def test_a_form_posting_username_signs_in_too(client):
    UserFactory(email="legacy@example.test")
    response = client.post(reverse("accounts:login"), {"username": "legacy@example.test", "password": PASSWORD})
    assert response.status_code == 302


def test_opening_the_sign_out_address_asks_before_signing_out(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("accounts:logout"))
    assert page.status_code == 200
    assert 'action="/accounts/logout/"' in page.content.decode()
    assert "_auth_user_id" in client.session
