"""Every route in the URLconf, walked as every role a person can have on a PoC.

The walk reads the resolver, so a route added by any app later is checked without anyone
listing it here. A route with a URL parameter this file cannot fill fails the walk: give the
parameter a value in ``KWARG_VALUES`` (an object of the team's PoC that the outsider cannot see)
or, if the route is public by design, add it to ``EXCLUDED`` with the reason. A route must also
say, in ``NEEDS``, what each of its methods needs (view, edit, manage, ...); the walk derives
from that and ``ROLE_RIGHTS`` what every role must get, and fails on a route not classified.

The walked checklist items carry a real evidence file, so downloading it is checked too.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from apps.accounts.services import token_issue
from apps.audit.models import AuditEvent
from apps.checklists.models import ChecklistItem, Reason
from apps.checklists.services import checklist_item_attach_evidence
from apps.core.models import Job
from apps.pocs.models import Membership

ALL_METHODS = ("get", "post", "put", "patch", "delete")
UNSAFE_METHODS = ("post", "put", "patch", "delete")

# Routes the walk leaves out, each with the reason. Everything else is checked.
EXCLUDED_NAMESPACES = {
    "admin": "Django admin: staff-only, guarded by its own login and permission checks",
}
EXCLUDED = {
    "home": "public: only redirects to the login page or to My PoCs",
    "healthz": "public liveness probe for the load balancer, no data",
    "accounts:login": "the sign-in page itself",
    "accounts:logout": "signing out; harmless for anyone",
    "api:token": "API sign-in (email + password for a token); public by design",
    "api:token-detail": "revoking one's own API token: any id not the caller's answers 404, whatever the role "
    "(tests/api/test_tokens.py)",
    "notifications:read": "marking one's own notification read: any id not the caller's answers 404, whatever "
    "the role (tests/notifications/test_notify.py; CSRF in tests/notifications/test_api.py)",
    "api:notification-read": "the same over the API (tests/notifications/test_api.py, CSRF there too)",
}
# Static files are served by WhiteNoise outside the URLconf; a pattern under STATIC_URL would be
# skipped for the same reason.
STATIC_PREFIX = django_settings.STATIC_URL.lstrip("/")


@dataclass
class Objects:
    """Objects of one team's PoC, for filling URL parameters."""

    poc: Any
    people: dict
    membership: Membership
    job: Job
    extra: dict = field(default_factory=dict)
    # Checklist item id -> the bytes of the evidence file attached to it.
    evidence: dict = field(default_factory=dict)
    ops_item: Any = None  # an ops handover (reason 4) item, which the production owner may edit


def _first(related, kwarg: str):
    obj = related.order_by("pk").first()
    if obj is None:
        pytest.fail(f"the team's PoC has no object for URL parameter {kwarg!r}; create one in make_objects")
    return obj.pk


# URL parameter name -> value for it. Parameters named ``pk`` are filled from the path segment in
# front of them (``pocs/<pk>`` is a PoC, ``members/<pk>`` a membership); see PK_BY_SEGMENT.
KWARG_VALUES: dict[str, Callable[[Objects], Any]] = {
    "poc_pk": lambda o: o.poc.pk,
    "membership_id": lambda o: o.membership.pk,
    "job_id": lambda o: o.job.pk,
    "field": lambda o: "name",
    "format": lambda o: "json",
    # Kickoff checklist (apps.checklists): copied onto every PoC when it is created.
    "item_id": lambda o: _first(o.poc.checklist_items, "item_id"),
    "validation_id": lambda o: _first(o.poc.validation_questions, "validation_id"),
    "acknowledgement_id": lambda o: _first(o.poc.acknowledgements, "acknowledgement_id"),
    # Audit trail: one of the PoC's recorded changes.
    "event_id": lambda o: _first(AuditEvent.objects.filter(poc_id=o.poc.pk), "event_id"),
    # Evaluations (apps.evaluations): made in make_objects, the run with a real results file.
    "dataset_id": lambda o: _first(o.poc.datasets, "dataset_id"),
    "model_version_id": lambda o: _first(o.poc.model_versions, "model_version_id"),
    "run_id": lambda o: _first(o.poc.eval_runs, "run_id"),
    "endpoint_id": lambda o: _first(o.poc.model_endpoints, "endpoint_id"),
    "dataset_item_id": lambda o: _first(o.poc.datasets.order_by("pk").first().items, "dataset_item_id"),
    "load_test_id": lambda o: _first(o.poc.load_tests, "load_test_id"),
    # Costs (apps.costs): a line made in make_objects.
    "line_id": lambda o: _first(o.poc.cost_lines, "line_id"),
    # Integrations (apps.integrations): one made in make_objects; the seven concerns are seeded on every PoC
    # (the first is seeded, so deleting it is refused with 400 even where allowed).
    "integration_id": lambda o: _first(o.poc.integrations, "integration_id"),
    "concern_id": lambda o: _first(o.poc.production_concerns, "concern_id"),
    # Reports (apps.reports): a finished export made in make_objects.
    "report_id": lambda o: _first(o.poc.reports, "report_id"),
}
PK_BY_SEGMENT: dict[str, Callable[[Objects], Any]] = {
    "pocs": lambda o: o.poc.pk,
    "members": lambda o: o.membership.pk,
    "people": lambda o: o.membership.pk,
    "jobs": lambda o: o.job.pk,
    "tokens": lambda o: spare_token(o),
    "notifications": lambda o: lead_notification(o),
    "reports": lambda o: _first(o.poc.reports, "pk"),
}


def spare_token(objects: Objects) -> int:
    """An API token of the lead's that no walked client signs in with (so revoking it locks no one out)."""
    if "spare_token" not in objects.__dict__:
        objects.__dict__["spare_token"] = token_issue(user=objects.people["lead"], created_from="url walk")[0].pk
    return objects.__dict__["spare_token"]


def lead_notification(objects: Objects) -> int:
    """A notification of the lead's (the API contract test signs in as the lead)."""
    from apps.notifications.services import notify

    if "notification" not in objects.__dict__:
        objects.__dict__["notification"] = notify(objects.people["lead"], "x", "For the walk").pk
    return objects.__dict__["notification"]


def api_key(user) -> str:
    """A fresh API token's key for ``user``, as ``auth/token/`` issues it."""
    return token_issue(user=user, created_from="url walk")[1]


@dataclass(frozen=True)
class Route:
    name: str  # namespaced URL name, e.g. "pocs:detail"
    route: str  # the pattern text, for messages
    kwargs: tuple[str, ...]
    is_api: bool

    def __str__(self):
        return f"{self.name} ({self.route})"

    @property
    def id(self) -> str:
        """A short test id: the URL name, plus the parameters."""
        return f"{self.name}({','.join(self.kwargs)})" if self.kwargs else self.name

    def url(self, objects: Objects) -> str:
        values = {kw: fill(self, kw, objects) for kw in self.kwargs}
        url = reverse(self.name, kwargs=values)
        match = resolve(url)
        assert match.view_name == self.name, f"{url} resolves to {match.view_name}, not {self.name}"
        return url


def _kwargs_of(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


def _walk(patterns, prefix: str, namespace: str | None, kwargs: list[str]):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            text = prefix + str(entry.pattern)
            yield from _walk(entry.url_patterns, text, full_ns, kwargs + _kwargs_of(entry))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), namespace, entry.name, kwargs + _kwargs_of(entry)


def all_routes() -> list[tuple[str, str | None, str | None, list[str]]]:
    """(route text, namespace, name, kwargs) of every pattern in the URLconf."""
    return list(_walk(get_resolver().url_patterns, "", None, []))


def walk_routes() -> list[Route]:
    """Every route of the project minus the explicit exclusions. Fails on an unnamed route."""
    routes: dict[tuple[str, tuple[str, ...]], Route] = {}
    for text, namespace, name, kwargs in all_routes():
        root_ns = (namespace or "").split(":")[0]
        if root_ns in EXCLUDED_NAMESPACES:
            continue
        if STATIC_PREFIX and text.lstrip("^").startswith(STATIC_PREFIX):
            continue
        assert name, f"route {text!r} has no name; name it so the access walk can reverse it"
        full_name = f"{namespace}:{name}" if namespace else name
        if full_name in EXCLUDED:
            continue
        key = (full_name, tuple(sorted(kwargs)))
        routes.setdefault(key, Route(full_name, text, tuple(kwargs), is_api=full_name.startswith("api:")))
    return sorted(routes.values(), key=lambda r: (r.name, r.kwargs))


def _segment_before(route: Route, kwarg: str) -> str | None:
    found = re.search(rf"([\w-]+)/(?:\(\?P<{kwarg}>|<(?:\w+:)?{kwarg}>)", route.route)
    return found.group(1) if found else None


def fill(route: Route, kwarg: str, objects: Objects) -> Any:
    if kwarg in objects.extra:
        return objects.extra[kwarg]
    if kwarg == "pk":
        segment = _segment_before(route, kwarg)
        if segment in PK_BY_SEGMENT:
            return PK_BY_SEGMENT[segment](objects)
    elif kwarg in KWARG_VALUES:
        return KWARG_VALUES[kwarg](objects)
    pytest.fail(
        f"Route {route} has a URL parameter {kwarg!r} the access walk cannot fill. Add a value to "
        f"KWARG_VALUES / PK_BY_SEGMENT in tests/test_url_walk.py (an object of the team's PoC), or "
        f"exclude the route with a reason."
    )


def make_objects(poc, people) -> Objects:
    """The team's objects for the walk. The first checklist item and the first ops handover item
    get a real evidence file (through the service), so MEDIA_ROOT must be a temporary folder:
    request the ``private_media`` fixture."""
    membership = Membership.objects.get(poc=poc, user=people["viewer"])
    job = Job.objects.create(kind="poc.summary", subject_type="pocs.poc", subject_id=poc.pk, created_by=people["lead"])
    objects = Objects(poc=poc, people=people, membership=membership, job=job)
    first = ChecklistItem.objects.get(pk=KWARG_VALUES["item_id"](objects))
    objects.ops_item = poc.checklist_items.filter(reason=Reason.OPS_HANDOVER).order_by("pk").first()
    if objects.ops_item is None:
        pytest.fail("the team's PoC has no ops handover item; the kickoff template must have one")
    for item in (first, objects.ops_item):
        content = f"Evidence for item {item.pk} of {poc.name}\n".encode()
        item.poc = poc
        checklist_item_attach_evidence(
            item=item, user=people["lead"], upload=SimpleUploadedFile("evidence.txt", content), version=None
        )
        objects.evidence[item.pk] = content
    make_evaluation(poc, people["lead"])
    make_cost_model(poc, people["lead"])
    make_integration(poc, people)
    make_report(poc, people["lead"])
    return objects


def make_report(poc, user) -> None:
    """A finished export (apps.reports) whose PDF the team may download."""
    from apps.reports.models import Report

    Report.objects.create(poc=poc, created_by=user, content=b"%PDF-1.7 walked", sha256="0" * 64, size=15)


def make_integration(poc, people) -> None:
    """An integration the PoC reads from (apps.integrations), owned by the outsider: naming someone owner
    gives them no access, so the walk still expects 404 from them everywhere."""
    from apps.integrations import services as integrations

    integrations.integration_create(poc=poc, user=people["lead"], data={
        "system": "Walk ledger", "direction": "reads_from", "owning_team": "Finance IT", "owner": people["outsider"],
    })


def make_cost_model(poc, user) -> None:
    """A cost model with one line (apps.costs)."""
    from apps.costs import services as costs

    costs.cost_model_update(poc=poc, user=user, changes={"volume_per_month": "1000", "value_per_unit": "1"})
    costs.cost_line_create(poc=poc, user=user, data={"name": "Walk line", "category": "compute",
                                                      "behaviour": "fixed", "low": 1, "likely": 2, "high": 3})


def make_evaluation(poc, user) -> None:
    """A dataset, a model version and a computed run with its results file (apps.evaluations)."""
    from apps.evaluations import services as evaluations

    dataset = evaluations.dataset_create(poc=poc, user=user, data={"name": "Walk sample", "kind": "production"})
    model = evaluations.model_version_create(poc=poc, user=user, data={"name": "Walk model"})
    rows = "id,label,prediction\n" + "".join(f"{i},{'ab'[i % 2]},{'ab'[i % 3 % 2]}\n" for i in range(30))
    evaluations.eval_run_create(
        poc=poc, user=user, dataset=dataset, model_version=model, resamples=200,
        upload=SimpleUploadedFile("walk.csv", rows.encode()),
    )
    evaluations.dataset_items_replace(dataset=dataset, user=user, upload=SimpleUploadedFile(
        "items.csv", b"id,input,label\n1,first,a\n2,second,b\n"))
    from apps.evaluations.models import ModelEndpoint  # no headers, so no key is needed; nothing is called

    endpoint = ModelEndpoint.objects.create(poc=poc, model_version=model, name="Walk endpoint", kind="openai_chat",
                                            url="https://model.example.com/v1/chat/completions", model="walk")
    from apps.evaluations.models import LoadTest  # made directly: nothing is called

    LoadTest.objects.create(poc=poc, endpoint=endpoint, dataset=dataset, rates=[1, 5], duration_s=1)


def _allowed(response) -> set[str]:
    return {m.strip().lower() for m in response.get("Allow", "").split(",") if m.strip()}


def _send(client, method: str, url: str, **extra):
    kwargs = {"content_type": "application/json"} if method != "get" else {}
    return getattr(client, method)(url, **kwargs, **extra)


ROUTES = walk_routes()
# A route with an object in its URL; ``format`` (a DRF format suffix) names no object.
OBJECT_ROUTES = [r for r in ROUTES if set(r.kwargs) - {"format"}]
COLLECTION_ROUTES = [r for r in ROUTES if not set(r.kwargs) - {"format"}]


@pytest.fixture
def objects(team, private_media):
    return make_objects(*team)


def test_walk_finds_the_poc_routes():
    names = {r.name for r in ROUTES}
    assert {"pocs:detail", "pocs:field", "pocs:job", "api:poc-detail", "api:poc-member"} <= names
    assert all(not r.name.startswith("admin:") for r in ROUTES)


def test_every_route_parameter_can_be_filled(objects):
    for route in OBJECT_ROUTES:
        route.url(objects)


def _clients(user, *, api: bool):
    session = Client()
    session.force_login(user)
    yield "session", session
    if api:
        yield "token", Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.id)
def test_outsider_gets_404_for_every_method(route, objects):
    outsider = objects.people["outsider"]
    url = route.url(objects)
    for label, client in _clients(outsider, api=route.is_api):
        answered_404 = set()
        for method in ALL_METHODS:
            response = _send(client, method, url)
            if response.status_code == 405:
                assert method not in _allowed(response), (
                    f"{method.upper()} {url} ({label}) answered 405 but Allow lists it"
                )
                continue
            assert response.status_code == 404, (
                f"outsider {method.upper()} {url} ({label}) answered {response.status_code}, not 404"
            )
            answered_404.add(method)
        assert answered_404, f"{url} ({label}) allows no method at all?"
        if route.is_api and route.name.endswith(("-detail", "-member")):
            allowed = _allowed(_send(client, "options", url)) or answered_404
            assert allowed & {"patch", "put", "delete"} <= answered_404


@pytest.mark.parametrize("route", COLLECTION_ROUTES, ids=lambda r: r.id)
def test_outsider_sees_nothing_of_the_team_on_collection_routes(route, objects):
    """Routes without an object in the URL (lists, "me") answer, but never with the team's PoC."""
    outsider = objects.people["outsider"]
    url = route.url(objects)
    for label, client in _clients(outsider, api=route.is_api):
        response = client.get(url)
        assert response.status_code in (200, 405), f"GET {url} ({label}): {response.status_code}"
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert objects.poc.name.encode() not in body, f"GET {url} ({label}) shows the team's PoC"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_signed_out_is_sent_to_sign_in(route, objects):
    url = route.url(objects)
    client = Client()
    login_url = reverse(django_settings.LOGIN_URL)
    answered = set()
    for method in ALL_METHODS:
        response = _send(client, method, url)
        if route.is_api:
            assert response.status_code == 401, f"signed-out {method.upper()} {url}: {response.status_code}"
            assert response["WWW-Authenticate"].startswith("Token"), response.get("WWW-Authenticate")
            answered.add(method)
        elif response.status_code == 405:
            assert method not in _allowed(response)
        else:
            assert response.status_code == 302, f"signed-out {method.upper()} {url}: {response.status_code}"
            assert response["Location"].startswith(f"{login_url}?next="), response["Location"]
            answered.add(method)
    assert answered, f"{url} allows no method at all?"


# Unsafe requests a viewer may make: (URL name, method) -> the reason. None so far.
VIEWER_MAY: dict[tuple[str, str], str] = {
    ("reports:export", "post"): "exporting the report reads the PoC; it writes only the export's own row",
    ("api:poc-reports", "post"): "the same export through the API",
    ("reports:verify", "post"): "verifying an uploaded PDF reads the stored hash, writes nothing",
    ("api:poc-verify-report", "post"): "the same verification through the API",
}


@pytest.mark.parametrize("route", OBJECT_ROUTES, ids=lambda r: r.id)
def test_viewer_gets_403_on_every_unsafe_method(route, objects):
    viewer = objects.people["viewer"]
    url = route.url(objects)
    for label, client in _clients(viewer, api=route.is_api):
        for method in UNSAFE_METHODS:
            if (route.name, method) in VIEWER_MAY:
                continue
            response = _send(client, method, url)
            if response.status_code == 405:
                assert method not in _allowed(response)
                continue
            assert response.status_code == 403, (
                f"viewer {method.upper()} {url} ({label}) answered {response.status_code}, not 403"
            )


# --- Every role ---------------------------------------------------------------------------------
#
# What each method of each route needs. A method a route does not list must answer 405. The
# actions are the issue's, written here independently of ``apps.pocs.access`` so that a wrong
# entry in the app's table of rights is caught, not copied.
VIEW, EDIT, MANAGE, JUSTIFY, EDIT_OPS_ITEMS = "view", "edit", "manage", "justify", "edit ops items"
SIGN = "sign the decision"  # the PoC's named decision-maker, nobody else
SIGNED_IN = "signed in"  # any signed-in person: lists, "me", creating a PoC
ITEM = "edit this item"  # EDIT, or EDIT_OPS_ITEMS when the item in the URL is an ops handover item
FIELD = "change this field"  # what the PoC field in the URL needs: FIELD_NEEDS, else EDIT

NEEDS: dict[str, dict[str, str]] = {
    "pocs:list": {"get": SIGNED_IN, "post": SIGNED_IN},
    "pocs:detail": {"get": VIEW},
    "pocs:field": {"get": FIELD, "post": FIELD},  # GET is the edit form
    "pocs:transition": {"post": MANAGE},
    "pocs:new-attempt": {"post": MANAGE},  # refused with a message while the PoC is not decided
    "pocs:people": {"get": VIEW, "post": MANAGE},
    "pocs:member-change": {"post": MANAGE},
    "pocs:people-search": {"get": MANAGE},  # the people pickers: only those who may name people search
    "pocs:activity": {"get": VIEW},
    "pocs:activity-event": {"get": VIEW},
    "pocs:summary": {"post": EDIT},
    "pocs:job": {"get": VIEW},
    "checklists:kickoff": {"get": VIEW},
    "checklists:item": {"get": VIEW, "post": ITEM},
    "checklists:item-evidence": {"get": VIEW, "post": ITEM},
    "checklists:validation": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read card to others
    "checklists:acknowledgement": {"get": VIEW, "post": EDIT},
    "checklists:business-case": {"get": VIEW, "post": EDIT},
    "accounts:profile": {"get": SIGNED_IN, "post": SIGNED_IN},  # one's own account and API tokens
    "schema": {"get": SIGNED_IN},
    "api-docs": {"get": SIGNED_IN},
    "api:tokens": {"get": SIGNED_IN},  # one's own API tokens
    "api:me": {"get": SIGNED_IN},
    "api:portfolio": {"get": SIGNED_IN},  # only the PoCs the caller may see (tests/portfolio/test_visibility.py)
    "portfolio:index": {"get": SIGNED_IN},  # the same scope
    "portfolio:csv": {"get": SIGNED_IN},  # the same scope
    "api:poc-list": {"get": SIGNED_IN, "post": SIGNED_IN},
    "api:poc-detail": {"get": VIEW, "put": EDIT, "patch": EDIT},
    "api:poc-transition": {"post": MANAGE},
    "api:poc-new-attempt": {"post": MANAGE},
    "api:poc-members": {"get": VIEW, "post": MANAGE},
    "api:poc-member": {"patch": MANAGE, "delete": MANAGE},
    "api:poc-activity": {"get": VIEW},
    "api:poc-activity-event": {"get": VIEW},
    "api:poc-checklist": {"get": VIEW},
    "api:poc-checklist-item": {"get": VIEW, "patch": ITEM},
    "api:poc-checklist-evidence": {"get": VIEW, "post": ITEM},
    "api:poc-validations": {"get": VIEW},
    "api:poc-validation": {"get": VIEW, "patch": EDIT},
    "api:poc-acknowledgements": {"get": VIEW},
    "api:poc-acknowledgement": {"get": VIEW, "patch": EDIT},
    "api:poc-business-case": {"get": VIEW, "patch": EDIT},
    "api:poc-stall-risk": {"get": VIEW},
    "evaluations:index": {"get": VIEW},
    "evaluations:dataset-create": {"post": EDIT},
    "evaluations:dataset": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read card to others
    "evaluations:model-version-create": {"post": EDIT},
    "evaluations:model-version": {"get": VIEW, "post": EDIT},
    "evaluations:run-create": {"post": EDIT},
    "evaluations:run": {"get": VIEW},
    "evaluations:run-status": {"get": VIEW},
    "evaluations:run-recompute": {"post": EDIT},
    "evaluations:run-file": {"get": VIEW},
    "evaluations:targets": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read card to others
    "evaluations:compare": {"get": VIEW},
    "evaluations:run-answer": {"post": EDIT},
    "evaluations:item-create": {"post": EDIT},
    "evaluations:items-import": {"post": EDIT},
    "evaluations:item": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read row to others
    "evaluations:item-delete": {"post": EDIT},
    "evaluations:endpoint-create": {"post": EDIT},
    "evaluations:endpoint": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read row to others
    "evaluations:endpoint-delete": {"post": EDIT},
    "evaluations:live-run-create": {"post": EDIT},
    "evaluations:run-cancel": {"post": EDIT},
    "evaluations:load-test-create": {"post": EDIT},
    "evaluations:load-test": {"get": VIEW},
    "evaluations:load-test-answer": {"post": EDIT},  # 400 for the walk's unfinished test where allowed
    "api:poc-load-tests": {"get": VIEW, "post": EDIT},
    "api:poc-load-test": {"get": VIEW},
    "evaluations:load-test-suggest": {"get": EDIT},  # the load-test form with rates from the cost model
    "evaluations:load-test-cancel": {"post": EDIT},
    "api:poc-load-test-cancel": {"post": EDIT},
    # The drift watch: the production owner's right (400 on the walk's PoC, which is not decided with a go)
    "evaluations:monitoring": {"post": EDIT_OPS_ITEMS},
    "api:poc-monitoring": {"get": VIEW, "patch": EDIT_OPS_ITEMS},
    "api:poc-targets": {"get": VIEW, "patch": EDIT},
    "api:poc-leaderboard": {"get": VIEW},
    "api:poc-quality-gap": {"get": VIEW},
    "api:poc-datasets": {"get": VIEW, "post": EDIT},
    "api:poc-dataset": {"get": VIEW, "patch": EDIT},
    "api:poc-model-versions": {"get": VIEW, "post": EDIT},
    "api:poc-model-version": {"get": VIEW, "patch": EDIT},
    "api:poc-eval-runs": {"get": VIEW, "post": EDIT},
    "api:poc-eval-run": {"get": VIEW},
    "api:poc-eval-run-recompute": {"post": EDIT},
    "api:poc-eval-run-cancel": {"post": EDIT},
    "api:poc-dataset-items": {"get": VIEW, "post": EDIT},
    "api:poc-model-endpoints": {"get": VIEW, "post": EDIT},
    "api:poc-model-endpoint": {"get": VIEW, "patch": EDIT, "delete": EDIT},
    "api:poc-harness-runs": {"post": EDIT},
    "costs:index": {"get": VIEW},
    "costs:baseline": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read card to others
    "costs:results": {"get": VIEW},
    "costs:recompute": {"post": EDIT},
    "costs:line-add": {"post": EDIT},
    "costs:line": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read row to others
    "costs:line-delete": {"post": EDIT},
    "api:poc-cost-model": {"get": VIEW, "patch": EDIT},
    "api:poc-cost-lines": {"get": VIEW, "post": EDIT},
    "api:poc-cost-line": {"get": VIEW, "patch": EDIT, "delete": EDIT},
    "integrations:index": {"get": VIEW},
    "integrations:diagram": {"get": VIEW},
    "integrations:integration-create": {"post": EDIT},
    "integrations:integration": {"get": VIEW, "post": EDIT},  # GET: the form to editors, the read row to others
    "integrations:integration-delete": {"post": EDIT},
    "integrations:concern-create": {"post": EDIT},
    "integrations:concern": {"get": VIEW, "post": EDIT},
    "integrations:concern-delete": {"post": EDIT},
    "api:poc-integrations": {"get": VIEW, "post": EDIT},
    "api:poc-integration": {"get": VIEW, "patch": EDIT, "delete": EDIT},
    "api:poc-integrations-summary": {"get": VIEW},
    "api:poc-integrations-diagram": {"get": VIEW},
    "api:poc-production-concerns": {"get": VIEW, "post": EDIT},
    "api:poc-production-concern": {"get": VIEW, "patch": EDIT, "delete": EDIT},
    # Graduation and the go/no-go (apps.decisions): the lead (and admins) request a decision like any stage
    # move; signing is the named decision-maker's alone (admins included in the refusal).
    "decisions:index": {"get": VIEW},
    "decisions:badge": {"get": VIEW},
    "decisions:request": {"post": MANAGE},
    "decisions:sign": {"get": SIGN, "post": SIGN},  # GET: the decision page with the signing form
    "decisions:verify": {"get": VIEW},
    "api:poc-criteria": {"get": VIEW},
    "api:poc-decision": {"get": VIEW},
    "api:poc-decision-request": {"post": MANAGE},
    "api:poc-decision-sign": {"post": SIGN},
    "api:poc-decision-verify": {"get": VIEW},
    "notifications:index": {"get": SIGNED_IN, "post": SIGNED_IN},  # one's own notifications
    "notifications:mutes": {"post": SIGNED_IN},  # the kinds of reminder one mutes (profile page)
    "api:notifications": {"get": SIGNED_IN},  # one's own notifications
    # Reports (apps.reports): whoever may read the PoC may export its report and verify a PDF against it.
    "reports:index": {"get": VIEW},
    "reports:export": {"post": VIEW},
    "reports:status": {"get": VIEW},
    "reports:download": {"get": VIEW},
    "reports:verify": {"get": VIEW, "post": VIEW},
    "api:poc-reports": {"post": VIEW},
    "api:poc-report": {"get": VIEW},
    "api:poc-report-download": {"get": VIEW},
    "api:poc-verify-report": {"post": VIEW},
}
# The PoC fields that need more than EDIT: the people named in a role and the sponsor are managed
# by the lead (and admins); the justification of a timebox over 8 weeks unlocks the kickoff gate,
# so only the lead writes it.
FIELD_NEEDS = {
    "lead": MANAGE,
    "production_owner": MANAGE,
    "decision_maker": MANAGE,
    "sponsor": MANAGE,
    "sponsor_name": MANAGE,
    "timebox_justification": JUSTIFY,
}
# Values the walk tries for a URL parameter whose value changes what is needed.
VARIANTS: dict[str, Callable[[Objects], list]] = {
    "field": lambda o: ["name", "lead", "sponsor", "sponsor_name", "timebox_justification"],
    "item_id": lambda o: [KWARG_VALUES["item_id"](o), o.ops_item.pk],
}
# The rights of each person of the team (keys of the ``team`` fixture's people).
ROLE_RIGHTS: dict[str, frozenset[str]] = {
    "outsider": frozenset(),  # signed in, on no PoC: the team's PoC does not exist for them
    "portfolio": frozenset({VIEW}),  # a portfolio viewer who is not on the PoC
    "viewer": frozenset({VIEW}),  # a viewer member of the PoC
    "decision_maker": frozenset({VIEW, SIGN}),
    "production_owner": frozenset({VIEW, EDIT_OPS_ITEMS}),  # reads, and confirms the ops handover
    "contributor": frozenset({VIEW, EDIT, EDIT_OPS_ITEMS}),
    "lead": frozenset({VIEW, EDIT, MANAGE, JUSTIFY, EDIT_OPS_ITEMS}),
    "admin": frozenset({VIEW, EDIT, MANAGE, EDIT_OPS_ITEMS}),
}
ALLOWED = "allowed"
# An allowed write, sent with an empty JSON body, is answered by the handler itself: saved (200,
# 201, 204), accepted as a job (202), redirected back (302), or refused for the missing input (400) or for not being the
# multipart upload the endpoint reads (415). Never 401, 403, 404 or 405.
ALLOWED_WRITE_STATUSES = {200, 201, 202, 204, 302, 400, 415}


def test_every_route_says_what_each_method_needs():
    names = {r.name for r in ROUTES}
    unclassified = sorted(names - set(NEEDS))
    assert not unclassified, (
        f"routes without an entry in NEEDS (tests/test_url_walk.py): {unclassified}. Say what each of "
        f"their methods needs (VIEW, EDIT, MANAGE, ...) so the walk can check every role on them."
    )
    assert not sorted(set(NEEDS) - names), f"NEEDS lists routes that no longer exist: {sorted(set(NEEDS) - names)}"
    for name, methods in NEEDS.items():
        assert methods and set(methods) <= set(ALL_METHODS), name
        needs = set(methods.values())
        assert needs <= {VIEW, EDIT, MANAGE, JUSTIFY, EDIT_OPS_ITEMS, SIGN, SIGNED_IN, ITEM, FIELD}, name


def test_every_role_is_walked(people):
    assert set(ROLE_RIGHTS) == set(people), "give every person of the team fixture a row in ROLE_RIGHTS"


def _variants(route: Route, objects: Objects) -> list[Objects]:
    """The route's objects once per value of a parameter listed in VARIANTS (else once)."""
    varied = [kw for kw in route.kwargs if kw in VARIANTS]
    if not varied:
        return [objects]
    assert len(varied) == 1, f"{route}: more than one varied parameter"
    kwarg = varied[0]
    return [dataclasses.replace(objects, extra={**objects.extra, kwarg: v}) for v in VARIANTS[kwarg](objects)]


def _needed(route: Route, method: str, objects: Objects) -> str | None:
    need = NEEDS[route.name].get(method)
    if need == ITEM:
        item = ChecklistItem.objects.get(pk=fill(route, "item_id", objects))
        return EDIT_OPS_ITEMS if item.reason == Reason.OPS_HANDOVER else EDIT
    if need == FIELD:
        return FIELD_NEEDS.get(fill(route, "field", objects), EDIT)
    return need


def expected_answer(rights: frozenset[str], need: str | None) -> int | str:
    """What a person with ``rights`` gets for a method needing ``need``: 405, 404, 403 or ALLOWED."""
    if need is None:
        return 405
    if need == SIGNED_IN:
        return ALLOWED
    if VIEW not in rights:
        return 404
    if need not in rights:
        return 403
    return ALLOWED


def _send_and_undo(client, method: str, url: str):
    """Send the request inside a savepoint that is rolled back, so a write (a member removed, a job
    queued) does not change what the next request sees. Returns the response and its body."""
    with transaction.atomic():
        response = _send(client, method, url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        transaction.set_rollback(True)
    return response, body


def _role_client(user, *, api: bool) -> Client:
    """Pages with a session; the API with a token, as API callers sign in."""
    if api:
        return Client(HTTP_AUTHORIZATION=f"Token {api_key(user)}")
    client = Client()
    client.force_login(user)
    return client


def _check_answer(route, method, url, expected, response, body, objects) -> str | None:
    """The mismatch between the answer and ``expected``, described, or None."""
    status = response.status_code
    if expected != ALLOWED:
        if status != expected:
            return f"answered {status}, not {expected}"
        if route.name.endswith("evidence") and any(content in body for content in objects.evidence.values()):
            return "sent the evidence file"
        return None
    if method == "get":
        if status != 200:
            return f"answered {status}, not 200"
        if route.name.endswith("evidence") and body != objects.evidence[int(fill(route, "item_id", objects))]:
            return "answered 200 without the item's evidence file"
        return None
    if status not in ALLOWED_WRITE_STATUSES:
        return f"answered {status}, not one of {sorted(ALLOWED_WRITE_STATUSES)} (allowed)"
    return None


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_every_role_gets_what_the_route_needs(route, objects):
    """Per role: 404 where the PoC is not theirs to see, 403 for what they may not do, the handler's
    own answer where allowed, and 405 for a method the route does not declare."""
    if route.name not in NEEDS:
        pytest.fail(f"{route} is not classified: add it to NEEDS in tests/test_url_walk.py")
    clients = {role: _role_client(objects.people[role], api=route.is_api) for role in ROLE_RIGHTS}
    mismatches = []
    for variant in _variants(route, objects):
        url = route.url(variant)
        for method in ALL_METHODS:
            need = _needed(route, method, variant)
            for role, rights in ROLE_RIGHTS.items():
                expected = expected_answer(rights, need)
                response, body = _send_and_undo(clients[role], method, url)
                problem = _check_answer(route, method, url, expected, response, body, variant)
                if problem:
                    mismatches.append(f"{role} {method.upper()} {url} (needs {need}): {problem}")
                elif expected == 405:
                    assert method not in _allowed(response), f"{method.upper()} {url}: 405 but Allow lists it"
    assert not mismatches, "\n".join(mismatches)


def test_the_team_downloads_the_walked_evidence_file_and_an_outsider_gets_404(objects):
    """The walked item carries a real file: the download answers it to the team, and the same URL
    answers 404 to an outsider, through the page and the API, with a session or a token."""
    item_id = KWARG_VALUES["item_id"](objects)
    content = objects.evidence[item_id]
    assert ChecklistItem.objects.get(pk=item_id).evidence_file
    for name in ("checklists:item-evidence", "api:poc-checklist-evidence"):
        route = next(r for r in ROUTES if r.name == name)
        url = route.url(objects)
        for role in ("viewer", "contributor", "portfolio"):
            for label, client in _clients(objects.people[role], api=route.is_api):
                response = client.get(url)
                assert response.status_code == 200, f"{role} GET {url} ({label}): {response.status_code}"
                assert b"".join(response.streaming_content) == content, f"{role} GET {url} ({label})"
                assert response["Content-Disposition"].startswith("attachment"), url
        for label, client in _clients(objects.people["outsider"], api=route.is_api):
            response = client.get(url)
            assert response.status_code == 404, f"outsider GET {url} ({label}): {response.status_code}"
            assert content not in response.content
