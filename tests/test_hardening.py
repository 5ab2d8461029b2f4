"""Answers that must hold under races and failures: a stored write is never answered 500, a
unique-constraint race is a clear 400, and throttle counters are shared between processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from django.core.cache import caches
from django.db import close_old_connections, connection
from django.db.models import QuerySet
from rest_framework.test import APIClient
from rest_framework.throttling import ScopedRateThrottle

from apps.audit import middleware as audit_middleware
from apps.audit.models import AuditEvent
from apps.pocs.models import Membership, PoC
from tests.factories import UserFactory, make_team

ROOT = Path(__file__).resolve().parent.parent


def _terminate(pid: int) -> None:
    """Ends the database backend ``pid`` from another connection, and waits until it is gone."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**{k: v for k, v in params.items() if k != "prepare_threshold"}, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        for _ in range(100):
            if not other.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
                return
            time.sleep(0.02)
    pytest.fail(f"backend {pid} did not end")


@pytest.mark.django_db(transaction=True)
def test_a_write_stored_before_the_connection_drops_is_answered_as_stored(monkeypatch):
    """The view commits, then the database connection dies before the audit context is cleared:
    the client still gets the view's answer, and the next request on this thread works."""
    poc, people = make_team()
    clear = audit_middleware.clear_session_context
    terminated = []

    def clear_after_the_backend_died():
        terminated.append(connection.connection.info.backend_pid)
        _terminate(terminated[-1])
        clear()

    monkeypatch.setattr(audit_middleware, "clear_session_context", clear_after_the_backend_died)
    api = APIClient()
    api.force_authenticate(people["lead"])
    response = api.patch(f"/api/v1/pocs/{poc.pk}/", {"sponsor_name": "Stored", "version": poc.version}, format="json")
    assert terminated, "the connection was not terminated"
    assert response.status_code == 200
    assert PoC.objects.get(pk=poc.pk).sponsor_name == "Stored"
    assert AuditEvent.objects.filter(
        table_name="pocs_poc", row_pk=str(poc.pk), new_data__sponsor_name="Stored"
    ).exists()

    monkeypatch.setattr(audit_middleware, "clear_session_context", clear)
    following = api.patch(
        f"/api/v1/pocs/{poc.pk}/", {"sponsor_name": "Next", "version": poc.version + 1}, format="json"
    )
    assert following.status_code == 200
    assert api.get(f"/api/v1/pocs/{poc.pk}/").json()["sponsor_name"] == "Next"


@pytest.mark.django_db(transaction=True)
def test_a_page_write_survives_the_connection_dropping_after_it(monkeypatch, client):
    poc, people = make_team()
    clear = audit_middleware.clear_session_context

    def clear_after_the_backend_died():
        _terminate(connection.connection.info.backend_pid)
        clear()

    monkeypatch.setattr(audit_middleware, "clear_session_context", clear_after_the_backend_died)
    client.force_login(people["lead"])
    response = client.post(
        f"/pocs/{poc.pk}/field/sponsor_name/", {"sponsor_name": "From the page", "version": poc.version}
    )
    assert response.status_code in (200, 302)
    assert PoC.objects.get(pk=poc.pk).sponsor_name == "From the page"
    monkeypatch.setattr(audit_middleware, "clear_session_context", clear)
    assert client.get(f"/pocs/{poc.pk}/").status_code == 200


def _in_parallel(count: int, work) -> list:
    """Runs ``work(i)`` in ``count`` threads started together; each thread closes its connection."""
    results: list = [None] * count
    start = threading.Barrier(count)

    def run(i):
        try:
            start.wait(timeout=10)
            results[i] = work(i)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _add_member(poc, lead, member):
    api = APIClient()
    api.force_authenticate(lead)
    return api.post(f"/api/v1/pocs/{poc.pk}/members/", {"user": member.pk, "role": "viewer"}, format="json")


@pytest.mark.django_db(transaction=True)
def test_parallel_adds_of_one_member_answer_201_once_and_400_otherwise():
    poc, people = make_team()
    member = UserFactory()
    responses = _in_parallel(12, lambda i: _add_member(poc, people["lead"], member))
    statuses = sorted(r.status_code for r in responses)
    assert set(statuses) <= {201, 400}, statuses
    assert statuses.count(201) == 1, statuses
    assert Membership.objects.filter(poc=poc, user=member).count() == 1
    refused = [r.json() for r in responses if r.status_code == 400]
    assert all("user" in body for body in refused), refused


@pytest.mark.django_db(transaction=True)
def test_two_adds_that_both_pass_the_membership_check_give_201_and_400(monkeypatch):
    """Both requests read "not a member" before either inserts: the unique constraint decides, and
    the loser is told the person is already a member (400 naming ``user``), not 500."""
    poc, people = make_team()
    member = UserFactory()
    both_checked = threading.Barrier(2)
    waited = threading.local()
    exists = QuerySet.exists

    def exists_then_wait(queryset):
        answer = exists(queryset)
        if queryset.model is Membership and not getattr(waited, "done", False):
            waited.done = True
            both_checked.wait(timeout=10)
        return answer

    monkeypatch.setattr(QuerySet, "exists", exists_then_wait)
    responses = _in_parallel(2, lambda i: _add_member(poc, people["lead"], member))
    assert sorted(r.status_code for r in responses) == [201, 400]
    refused = next(r for r in responses if r.status_code == 400).json()
    assert refused["user"] == ["Already a member."]
    assert Membership.objects.filter(poc=poc, user=member).count() == 1


@pytest.mark.django_db
def test_the_throttle_counts_in_the_shared_cache():
    backend = caches["default"].__class__.__name__
    assert backend in {"RedisCache", "DatabaseCache"}
    key = f"probe-{uuid.uuid4().hex}"
    ScopedRateThrottle.cache.set(key, 7, 30)
    assert caches["default"].get(key) == 7


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_one_token_throttle(monkeypatch):
    """Another process uses up the token endpoint's allowance for an address; this process then
    refuses that address too (a per-process count would let it through)."""
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "token", "3/minute")
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"
    script = (
        "import django, sys\n"
        "django.setup()\n"
        "from django.test import Client\n"
        "from django.test.utils import setup_test_environment\n"
        "setup_test_environment()\n"
        "client = Client(REMOTE_ADDR=sys.argv[1])\n"
        "codes = [client.post('/api/v1/auth/token/', {'email': f'nobody{i}@example.test', 'password': 'x'},"
        " content_type='application/json').status_code for i in range(3)]\n"
        "print(codes)\n"
    )
    settings_dict = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pocportal.settings",
        "TOKEN_THROTTLE_RATE": "3/minute",
        "DATABASE_URL": f"postgres://{settings_dict['USER']}@{settings_dict['HOST']}:{settings_dict['PORT']}/"
        f"{settings_dict['NAME']}",
    }
    done = subprocess.run(
        [sys.executable, "-c", script, address], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("[400, 400, 400]"), done.stdout + done.stderr
    client = APIClient(REMOTE_ADDR=address)
    response = client.post(
        "/api/v1/auth/token/", {"email": "nobody@example.test", "password": "x"}, format="json"
    )
    assert response.status_code == 429
