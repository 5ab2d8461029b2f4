"""Property-based API tests from the OpenAPI schema, and the schema's own validity.

Schemathesis (used as a library: the schema is loaded inside the test, where the database and the
team exist) generates requests for every operation in ``/api/schema/`` and sends them to the WSGI
application as the team's lead, with token auth. No answer may be a server error. Each operation
runs with its path parameters pointing at objects of the lead's real PoC, so the handlers do real
work (positive and negative generation modes), and again with generated ones (positive mode). A
path parameter without a real object fails the test: generated ids mostly reach a 404 and would
hide a handler that breaks on real data.
"""

from __future__ import annotations

import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from apps.accounts.services import token_issue
from tests.factories import ensure_default_template, make_team
from tests.test_url_walk import KWARG_VALUES, PK_BY_SEGMENT, make_objects

MAX_EXAMPLES = 15
HYPOTHESIS_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def team(transactional_db):
    """The team, with its kickoff checklist even when an earlier transactional test emptied the template."""
    ensure_default_template()
    return make_team()


@pytest.fixture
def application():
    # Plain HTTP is already the test setting (tests/environment.py).
    return get_wsgi_application()


def _real_ids(operation, objects) -> dict:
    """Every path parameter of ``operation`` set to an object of the lead's PoC, as the URL walk
    fills them. Fails when a parameter has no real value (the walk's ``pytest.fail`` included)."""
    values = {}
    for name in re.findall(r"{(\w+)}", operation.path):
        if name == "id":  # the router's ``pk``: what it is follows from the segment in front of it
            segment = re.search(r"([\w-]+)/\{id\}", operation.path)
            value_of = PK_BY_SEGMENT.get(segment.group(1)) if segment else None
        else:
            value_of = KWARG_VALUES.get(name)
        if value_of is None:
            pytest.fail(
                f"{operation.label}: no real value for the path parameter {name!r}; add one to KWARG_VALUES or "
                f"PK_BY_SEGMENT in tests/test_url_walk.py"
            )
        values[name] = value_of(objects)
    return values


@pytest.mark.django_db(transaction=True)
def test_no_operation_answers_with_a_server_error(team, application, private_media):
    poc, people = team
    objects = make_objects(poc, people)
    token = token_issue(user=people["lead"])[1]
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, headers=headers)

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]
    failures: list[str] = []
    for operation in operations:
        # (path parameters, generation modes): real objects in both modes; generated ids, whose
        # answers are mostly 404s, in the positive mode only.
        variants = [({}, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))]
        if re.search(r"{\w+}", operation.path):
            variants = [
                (_real_ids(operation, objects), (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)),
                ({}, (GenerationMode.POSITIVE,)),
            ]
        for path_parameters, modes in variants:
            for mode in modes:
                strategy = operation.as_strategy(mode, path_parameters=path_parameters or None)

                @HYPOTHESIS_SETTINGS
                @given(case=strategy)
                def run(case):
                    # The real ids are sent as given, not replaced by generated ones.
                    sent = {name: case.path_parameters[name] for name in path_parameters}  # noqa: B023
                    assert sent == path_parameters, case.path_parameters  # noqa: B023
                    case.call_and_validate(headers=headers, checks=[not_a_server_error])

                try:
                    run()
                except Unsatisfiable:
                    # Negative mode with nothing left to break (every parameter fixed, no body).
                    assert mode is GenerationMode.NEGATIVE, operation.label
                except Exception as exc:  # collect every operation's failure, then report them all
                    failures.append(f"{operation.label} ({mode.value}, ids={path_parameters}):\n{exc}")
    assert not failures, "\n\n".join(failures)


def test_schema_generates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    text = out.read_text()
    assert "/api/v1/pocs/{id}/" in text
