"""Versioned writes lock the row, so two people saving at once cannot lose either change silently.

The first writer holds the row inside its transaction; the second, who read the same version,
must wait for it and then be refused as stale. Without the row lock the second writer would
read the old version, pass the check, and both saves would succeed: one change lost.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.core.errors import ConflictError
from apps.core.versioning import versioned_update
from apps.pocs import services
from apps.pocs.models import PoC
from tests.factories import make_team

pytestmark = pytest.mark.django_db(transaction=True)


def _in_thread(target):
    outcome: dict = {}

    def run():
        try:
            outcome["result"] = target()
        except Exception as exc:  # recorded and asserted on by the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def test_a_second_writer_with_the_same_version_waits_for_the_lock_and_is_refused():
    poc, people = make_team()
    version = poc.version
    first_has_lock = threading.Event()
    release_first = threading.Event()

    def slow_apply(row, changes):
        first_has_lock.set()
        assert release_first.wait(10), "the test never released the first writer"
        row.sponsor_name = changes["sponsor_name"]
        return ["sponsor_name"]

    def first():
        return versioned_update(
            obj=poc,
            user=people["lead"],
            changes={"sponsor_name": "First"},
            version=version,
            apply=slow_apply,
            snapshot=lambda row: {"sponsor_name": row.sponsor_name},
            what="PoC",
        )

    def second():
        return services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Second"}, version=version)

    first_thread, first_outcome = _in_thread(first)
    assert first_has_lock.wait(10), "the first writer never reached its changes"
    second_thread, second_outcome = _in_thread(second)
    # The second writer must be blocked on the row lock while the first holds it.
    second_thread.join(1.0)
    blocked = second_thread.is_alive()
    release_first.set()
    first_thread.join(10)
    second_thread.join(10)

    assert blocked, f"the second writer was not held by a row lock: {second_outcome}"
    assert "error" not in first_outcome, first_outcome
    assert isinstance(second_outcome.get("error"), ConflictError), second_outcome
    assert second_outcome["error"].current == {"sponsor_name": "First"}
    saved = PoC.objects.get(pk=poc.pk)
    assert (saved.sponsor_name, saved.version) == ("First", version + 1)
