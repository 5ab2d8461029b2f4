"""The Portfolio page, its API and its CSV cost the same number of queries for 10 PoCs as for 1,000."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import BusinessUnit, User
from apps.pocs.models import Stage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# Measured with CaptureQueriesContext; they do not grow with the PoCs. page: session, user, the figures
# (with the count, the median and the filter form's business units and decision-makers), the page's
# rows; api (authenticated by the test client, no session): figures, rows; csv: session, user, every
# row in one query (read while the response streams).
PINS = {"page": 4, "api": 2, "csv": 3}
FILTERS = {"stage": "running", "risk": "medium", "overdue": "false", "ordering": "-criteria_met", "q": "Bulk"}


def count(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, (url, body[:500])
    return len(queries)


def _counts(client, api, params=None):
    return {
        "page": count(client, reverse("portfolio:index"), params),
        "api": count(api, "/api/v1/portfolio/", params),
        "csv": count(client, reverse("portfolio:csv"), params),
    }


@pytest.mark.parametrize("who", ["portfolio viewer", "lead"])
@pytest.mark.parametrize("params", [None, FILTERS], ids=["unfiltered", "filtered"])
def test_the_same_queries_for_10_and_1000_pocs(bulk_pocs, client_for, api_for, who, params):
    unit = BusinessUnit.objects.create(name="Claims", code="claims")
    if who == "lead":
        user = UserFactory()
        fields = {"lead": user}
    else:
        user = UserFactory(org_role=User.OrgRole.PORTFOLIO_VIEWER)
        fields = {}
    maker = UserFactory(full_name="Dana Decides")
    common = dict(stage=Stage.RUNNING, business_unit=unit, decision_maker=maker, **fields)
    bulk_pocs(10, **common)
    client, api = client_for(user), api_for(user)
    small = _counts(client, api, params)
    bulk_pocs(990, **common)
    large = _counts(client, api, params)
    assert small == large
    assert small == PINS
