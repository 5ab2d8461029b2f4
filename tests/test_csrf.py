"""CSRF protection on every unsafe route: pages, htmx requests, and the API with session auth.

The routes come from the same URLconf walk as the access tests, so a new route is covered.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from tests.test_url_walk import ROUTES, UNSAFE_METHODS, Route, _allowed, api_key, make_objects

PAGE_ROUTES = [r for r in ROUTES if not r.is_api] + [
    # The sign-in and sign-out forms are left out of the access walk but need the token too.
    Route("accounts:login", "accounts/login/", (), is_api=False),
    Route("accounts:logout", "accounts/logout/", (), is_api=False),
]
API_ROUTES = [r for r in ROUTES if r.is_api]

FORM_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HX_HEADERS = re.compile(r"<body[^>]*\shx-headers='([^']+)'")


@pytest.fixture
def objects(team, private_media):
    return make_objects(*team)


def signed_in(user, client_class=Client) -> Client:
    client = client_class(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def csrf_failure(response) -> bool:
    # Django's CSRF failure page (or DRF's, on the schema and docs views), not any 403: every page
    # carries the token in its htmx headers, and a 403 for a missing right is no CSRF refusal.
    return response.status_code == 403 and (
        b"CSRF verification failed" in response.content or b"CSRF Failed" in response.content
    )


def api_csrf_refusal(response) -> bool:
    return response.status_code == 403 and "CSRF" in str(response.json().get("detail", ""))


def page_tokens(client, objects) -> tuple[str, str]:
    """(the form field token, the htmx header token) from the PoC page, as a browser reads them."""
    response = client.get(reverse("pocs:detail", args=[objects.poc.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    form_token = FORM_TOKEN.search(body).group(1)
    hx_headers = json.loads(html.unescape(HX_HEADERS.search(body).group(1)))
    return form_token, hx_headers["X-CSRFToken"]


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.id)
def test_page_routes_refuse_unsafe_requests_without_the_token(route, objects):
    client = signed_in(objects.people["lead"])
    url = route.url(objects)
    for method in UNSAFE_METHODS:
        response = getattr(client, method)(url)
        if method != "post" and response.status_code == 405:
            assert method not in _allowed(response), f"{method.upper()} {url}: 405 but Allow lists it"
            continue
        assert csrf_failure(response), f"{method.upper()} {url} without a token: {response.status_code}"
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert csrf_failure(response), f"htmx POST {url} without a token: {response.status_code}"
    response = client.post(url, HTTP_X_CSRFTOKEN="not-the-token", HTTP_HX_REQUEST="true")
    assert csrf_failure(response), f"htmx POST {url} with a wrong token: {response.status_code}"


@pytest.mark.parametrize("route", PAGE_ROUTES, ids=lambda r: r.id)
def test_page_routes_accept_the_token_from_the_page(route, objects):
    url = route.url(objects)

    client = signed_in(objects.people["lead"])
    form_token, _ = page_tokens(client, objects)
    response = client.post(url, {"csrfmiddlewaretoken": form_token})
    assert not csrf_failure(response), f"form POST {url} with the page's token was refused"

    client = signed_in(objects.people["lead"])
    _, header_token = page_tokens(client, objects)
    response = client.post(url, HTTP_X_CSRFTOKEN=header_token, HTTP_HX_REQUEST="true")
    assert not csrf_failure(response), f"htmx POST {url} with the hx-headers token was refused"


def test_the_token_in_hx_headers_is_the_page_token(objects):
    client = signed_in(objects.people["lead"])
    form_token, header_token = page_tokens(client, objects)
    assert header_token and form_token
    response = client.post(
        reverse("pocs:summary", args=[objects.poc.pk]), HTTP_X_CSRFTOKEN=header_token, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert b'class="job"' in response.content


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.id)
def test_api_with_session_auth_enforces_csrf(route, objects):
    client = signed_in(objects.people["lead"], APIClient)
    url = route.url(objects)
    for method in UNSAFE_METHODS:
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code == 403, (
            f"session {method.upper()} {url} without a token: {response.status_code}"
        )
        assert "CSRF" in response.json()["detail"]

    client.get(reverse("pocs:list"))  # a page sets the CSRF cookie, as in a browser
    token = client.cookies["csrftoken"].value
    for method in UNSAFE_METHODS:
        response = getattr(client, method)(url, {}, format="json", HTTP_X_CSRFTOKEN=token)
        assert not api_csrf_refusal(response), (
            f"session {method.upper()} {url} with the token: {response.status_code} {response.content[:200]}"
        )


@pytest.mark.parametrize("route", API_ROUTES, ids=lambda r: r.id)
def test_api_with_token_auth_needs_no_csrf_token(route, objects):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(objects.people['lead'])}")
    url = route.url(objects)
    for method in UNSAFE_METHODS:
        response = getattr(client, method)(url, {}, format="json")
        assert not api_csrf_refusal(response), (
            f"token {method.upper()} {url}: {response.status_code} {response.content[:200]}"
        )


def test_api_create_with_token_auth_and_no_csrf_token(objects):
    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key(objects.people['outsider'])}")
    response = client.post(reverse("api:poc-list"), {"name": "Token-made PoC"}, format="json")
    assert response.status_code == 201, response.content
