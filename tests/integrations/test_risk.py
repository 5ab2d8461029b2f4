"""Stall reason 3 reads the integrations live: it rises with gaps, names the items, and clears when scoped."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.checklists import selectors as kickoff
from apps.integrations import selectors, services
from apps.integrations.models import ProductionConcern
from tests.integrations.helpers import DONE, scope_integration

pytestmark = pytest.mark.django_db


def reason3(poc):
    risk = next(r for r in kickoff.stall_risk(poc) if r.reason == 3)
    return risk, [f for f in risk.findings if f.source == "integrations"]


def test_no_integration_is_high(poc):
    risk, findings = reason3(poc)
    assert risk.level == "high" and "No production integration is sketched" in risk.why
    assert findings[0].level == "high"


def test_the_signal_rises_with_unowned_items_then_medium_then_clears(poc, people):
    lead = people["lead"]
    row = services.integration_create(poc=poc, user=lead, data={"system": "Ledger", "direction": "writes_to"})
    risk, findings = reason3(poc)
    assert risk.level == "high" and risk.why == "Nobody owns “Ledger”, “Identity”, “Access control” and 5 more."

    row = services.integration_update(integration=row, user=lead, changes={"owning_team": "Finance IT"},
                                      version=row.version)
    for concern in ProductionConcern.objects.filter(poc=poc):
        concern.poc = poc
        services.concern_update(concern=concern, user=lead, changes={"owning_team": "Platform"},
                                version=concern.version)
    risk, findings = reason3(poc)
    assert [f.level for f in findings] == ["medium", "medium"]
    assert findings[0].why.startswith("No estimate yet for “Ledger”")

    scope_integration(poc, lead, system="Archive")
    risk, findings = reason3(poc)
    assert findings and "“Ledger”" in findings[0].why and "Archive" not in findings[0].why
    services.integration_update(integration=row, user=lead, changes=dict(DONE), version=row.version)
    risk, findings = reason3(poc)
    assert findings == []
    assert selectors.summary(poc)["scoped"] is True

    services.integration_create(poc=poc, user=lead, data={"system": "HR feed", "direction": "reads_from"})
    risk, findings = reason3(poc)
    assert findings[0].level == "high" and findings[0].why == "Nobody owns “HR feed”."


def test_the_signal_reads_in_one_query_whatever_the_number_of_rows(poc, people):
    for i in range(30):
        services.integration_create(poc=poc, user=people["lead"], data={"system": f"S{i}", "direction": "both"})
    with CaptureQueriesContext(connection) as queries:
        items = selectors.scope_items(poc)
    assert len(queries) == 1 and len(items) == 37
    assert [i.label for i in items[:3]] == ["S0", "S1", "S10"]
    assert items[30].label == "Identity" and items[-1].label == "Retry logic"
