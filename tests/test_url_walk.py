"""Every route in the URLconf, walked as people who must not get in.

The walk reads the resolver, so a route added by any app later is checked without anyone
listing it here. A route with a URL parameter this file cannot fill fails the walk: give the
parameter a value in ``KWARG_VALUES`` (an object of the team's PoC that the outsider cannot see)
or, if the route is public by design, add it to ``EXCLUDED`` with the reason.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from rest_framework.authtoken.models import Token

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
    "schema": "the OpenAPI schema is public by design (SERVE_PERMISSIONS AllowAny), no data",
    "api-docs": "Swagger UI page for the public schema, no data",
    "api:token": "API sign-in (email + password for a token); public by design",
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
}
PK_BY_SEGMENT: dict[str, Callable[[Objects], Any]] = {
    "pocs": lambda o: o.poc.pk,
    "members": lambda o: o.membership.pk,
    "people": lambda o: o.membership.pk,
    "jobs": lambda o: o.job.pk,
}


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
    membership = Membership.objects.get(poc=poc, user=people["viewer"])
    job = Job.objects.create(kind="poc.summary", poc=poc, created_by=people["lead"])
    return Objects(poc=poc, people=people, membership=membership, job=job)


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
def objects(team):
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
        token = Token.objects.get_or_create(user=user)[0]
        yield "token", Client(HTTP_AUTHORIZATION=f"Token {token.key}")


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
        assert objects.poc.name.encode() not in response.content, f"GET {url} ({label}) shows the team's PoC"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.id)
def test_signed_out_is_sent_to_sign_in(route, objects):
    url = route.url(objects)
    client = Client()
    login_url = reverse(django_settings.LOGIN_URL)
    answered = set()
    for method in ALL_METHODS:
        response = _send(client, method, url)
        if route.is_api:
            assert response.status_code in (401, 403), (
                f"signed-out {method.upper()} {url}: {response.status_code}"
            )
            answered.add(method)
        elif response.status_code == 405:
            assert method not in _allowed(response)
        else:
            assert response.status_code == 302, f"signed-out {method.upper()} {url}: {response.status_code}"
            assert response["Location"].startswith(f"{login_url}?next="), response["Location"]
            answered.add(method)
    assert answered, f"{url} allows no method at all?"


# Unsafe requests a viewer may make: (URL name, method) -> the reason. None so far.
VIEWER_MAY: dict[tuple[str, str], str] = {}


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
