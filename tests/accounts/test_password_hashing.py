"""Argon2id at OWASP's costs (19 MiB, 2 passes, 1 lane); hashes made with other costs still sign in and
are re-hashed at these on the way."""

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, check_password, make_password
from django.urls import reverse

from apps.accounts.models import User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-enough-password"


def costs(encoded: str) -> tuple[str, int, int, int]:
    """(variant, memory in KiB, passes, lanes) as the hash records them."""
    parameters = argon2.extract_parameters(encoded.removeprefix("argon2"))
    return parameters.type.name, parameters.memory_cost, parameters.time_cost, parameters.parallelism


def test_new_hashes_are_argon2id_with_19_mib_2_passes_1_lane():
    user = User.objects.create_user("costs@example.test", PASSWORD, full_name="Costs")
    assert costs(user.password) == ("ID", 19 * 1024, 2, 1)
    assert check_password(PASSWORD, user.password) and not check_password("wrong", user.password)


def test_a_hash_with_djangos_default_costs_signs_in_and_is_rehashed(client):
    old = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    assert costs(old) == ("ID", 100 * 1024, 2, 8)  # as the demo accounts were hashed before
    user = UserFactory(email="old-hash@example.test")
    User.objects.filter(pk=user.pk).update(password=old)
    response = client.post(reverse("accounts:login"), {"email": "old-hash@example.test", "password": PASSWORD})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == user.pk
    user.refresh_from_db()
    assert user.password != old and costs(user.password) == ("ID", 19 * 1024, 2, 1)
    assert check_password(PASSWORD, user.password)


def test_make_password_uses_the_bounded_hasher():
    assert costs(make_password(PASSWORD))[1] == 19 * 1024
