"""The integrations page: rows with no form until Edit, inline saves that refresh totals, diagram and header,
removal rules, the kickoff's integration items linking here, and a fixed number of queries."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.integrations import services
from apps.integrations.models import Integration, ProductionConcern

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def page(poc):
    return reverse("integrations:index", args=[poc.pk])


def add(poc, user, system="Ledger", direction="writes_to", **data):
    return services.integration_create(poc=poc, user=user, data={"system": system, "direction": direction, **data})


def test_the_tab_and_the_page_show_rows_without_forms(client_for, poc, people):
    add(poc, people["lead"], boundary="Finance network")
    html = client_for(people["contributor"]).get(page(poc)).content.decode()
    assert f'href="{page(poc)}"' in html and ">Integrations</a>" in html
    main = html[html.index('<main id="main">'):]
    assert "Ledger" in main and "crosses Finance network" in main and "No owner" in main
    # No row's form until Edit is clicked: only the two add forms (system and direction; a concern's name).
    assert "row-form" not in main and 'name="owner"' not in main and not re.search(r"<textarea\b", main)
    assert 'aria-label="Edit “Ledger”"' in main
    assert 'name="system"' in main and 'name="direction"' in main
    svg = main[main.index("<svg"):main.index("</svg>") + 6]
    ET.fromstring(svg)  # the inline diagram is well-formed
    assert '<span class="badge risk-high">Not scoped</span>' in main


def test_a_viewer_reads_everything_and_gets_no_edit_link_nor_add_form(client_for, poc, people):
    row = add(poc, people["lead"])
    client = client_for(people["viewer"])
    html = client.get(page(poc)).content.decode()
    assert "Ledger" in html and "data-inline-edit" not in html and 'name="system"' not in html
    detail = client.get(reverse("integrations:integration", args=[poc.pk, row.pk])).content.decode()
    assert "Ledger" in detail and "<form method=\"post\" class=\"row-form\"" not in detail
    assert client.post(reverse("integrations:integration", args=[poc.pk, row.pk]),
                       {"system": "X", "version": 1}).status_code == 403
    assert client.post(reverse("integrations:integration-create", args=[poc.pk]),
                       {"system": "X", "direction": "both"}).status_code == 403
    assert client.get(reverse("integrations:diagram", args=[poc.pk]))["Content-Type"] == "image/svg+xml"


def test_an_outsider_gets_404_everywhere(client_for, poc, people):
    row = add(poc, people["lead"], owner=people["outsider"])  # naming them as owner grants nothing
    concern = ProductionConcern.objects.filter(poc=poc).first()
    client = client_for(people["outsider"])
    for url in (page(poc), reverse("integrations:diagram", args=[poc.pk]),
                reverse("integrations:integration", args=[poc.pk, row.pk]),
                reverse("integrations:concern", args=[poc.pk, concern.pk])):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": 1}).status_code in (404, 405), url


def test_adding_inline_answers_the_section_with_totals_diagram_and_header(client_for, poc, people):
    client = client_for(people["contributor"])
    response = client.post(reverse("integrations:integration-create", args=[poc.pk]),
                           {"system": "<b>Okta</b>", "direction": "identity"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section class="card" id="integrations"')
    assert "&lt;b&gt;Okta&lt;/b&gt;" in html and "<b>Okta</b>" not in html
    assert 'id="integration-totals" hx-swap-oob="true"' in html
    assert 'id="integration-diagram" hx-swap-oob="true"' in html
    assert 'id="poc-head"' in html and response["HX-Trigger"] == "poc-changed"
    assert Integration.objects.get(poc=poc).data_classification == poc.data_sensitivity
    refused = client.post(reverse("integrations:integration-create", args=[poc.pk]), {"system": "  "}, **HTMX)
    assert refused.status_code == 400 and "This field is required." in refused.content.decode()


def test_editing_a_row_inline_and_a_stale_save(client_for, poc, people):
    row = add(poc, people["lead"])
    url = reverse("integrations:integration", args=[poc.pk, row.pk])
    client = client_for(people["contributor"])
    form = client.get(url, **HTMX).content.decode()
    assert "data-inline-form" in form and 'name="owner"' in form and 'name="estimate_cost"' in form
    assert "data-inline-edit" in client.get(url + "?cancel=1", **HTMX).content.decode()
    body = {"system": "Ledger", "direction": "writes_to", "data_classification": "internal", "boundary": "",
            "owning_team": "Finance IT", "owner": people["outsider"].pk, "estimate_days": "4",
            "estimate_cost": "2000", "confidence": "high", "status": "agreed", "notes": "", "version": 1}
    saved = client.post(url, body, **HTMX)
    assert saved.status_code == 200, saved.content.decode()
    html = saved.content.decode()
    assert "Finance IT" in html and "Agreed with the owning team" in html
    assert json.loads(saved["HX-Trigger-After-Settle"]) == {"saved": "Saved “Ledger”"}
    stale = client.post(url, {**body, "owning_team": "Someone else"}, **HTMX)
    assert stale.status_code == 409 and "Someone else changed this integration" in stale.content.decode()
    assert 'value="2"' in stale.content.decode()  # re-armed with the current version
    plain = client.post(url, {**body, "notes": "Batch nightly", "version": 2})
    assert plain.status_code == 302 and plain["Location"].endswith(f"#integration-{row.pk}")


def test_concerns_seeded_ones_stay_added_ones_can_go(client_for, poc, people):
    client = client_for(people["lead"])
    seeded = ProductionConcern.objects.filter(poc=poc).first()
    refused = client.post(reverse("integrations:concern-delete", args=[poc.pk, seeded.pk]), **HTMX)
    assert refused.status_code == 400 and "cannot be removed" in refused.content.decode()
    form = client.get(reverse("integrations:concern", args=[poc.pk, seeded.pk]), **HTMX).content.decode()
    assert 'name="not_applicable"' in form and 'name="name"' not in form and "Remove this concern" not in form
    bad = client.post(reverse("integrations:concern", args=[poc.pk, seeded.pk]),
                      {"not_applicable": "on", "reason": "", "status": "sketched", "version": 1}, **HTMX)
    assert bad.status_code == 400 and "Say why the concern does not apply." in bad.content.decode()
    client.post(reverse("integrations:concern-create", args=[poc.pk]), {"name": "Data retention"}, **HTMX)
    added = ProductionConcern.objects.get(poc=poc, name="Data retention")
    gone = client.post(reverse("integrations:concern-delete", args=[poc.pk, added.pk]), {"version": 1}, **HTMX)
    assert gone.status_code == 200 and not ProductionConcern.objects.filter(pk=added.pk).exists()
    assert ProductionConcern.objects.filter(poc=poc).count() == 7


def test_the_kickoff_integration_items_link_here(client_for, poc, people):
    html = client_for(people["viewer"]).get(reverse("checklists:kickoff", args=[poc.pk])).content.decode()
    section = html[html.index('id="reason-3"'):html.index('id="reason-4"')]
    assert section.count(f'href="{page(poc)}"') == 3  # the three integration items


def test_the_page_costs_a_pinned_number_of_queries_for_few_rows_or_many(client_for, poc, people):
    client = client_for(people["contributor"])
    add(poc, people["lead"])
    client.get(page(poc))
    with CaptureQueriesContext(connection) as few:
        assert client.get(page(poc)).status_code == 200
    for i in range(25):
        add(poc, people["lead"], system=f"System {i}", direction=["reads_from", "both"][i % 2],
            owner=people["viewer"], boundary=f"B{i % 3}")
    services.concern_create(poc=poc, user=people["lead"], data={"concern": "custom", "name": "Retention"})
    with CaptureQueriesContext(connection) as many:
        assert client.get(page(poc)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # Against the kickoff page, which shares the header: this page reads its two tables, and the header's
    # stall risk reads the checklist rows the kickoff page hands it (three) plus the integrations (one).
    client.get(reverse("checklists:kickoff", args=[poc.pk]))
    with CaptureQueriesContext(connection) as kickoff:
        client.get(reverse("checklists:kickoff", args=[poc.pk]))
    assert len(many) <= len(kickoff) + 2, [q["sql"] for q in many.captured_queries]


def test_pocs_that_predate_the_app_get_their_concerns_from_the_migration(poc):
    import importlib

    from django.apps import apps as django_apps

    ProductionConcern.objects.filter(poc=poc).delete()  # as before the app existed
    importlib.import_module("apps.integrations.migrations.0003_seed_concerns").seed(django_apps, None)
    assert sorted(ProductionConcern.objects.filter(poc=poc).values_list("concern", flat=True)) == sorted(
        ["identity", "access_control", "audit_logging", "monitoring", "alerting", "error_handling", "retry_logic"]
    )
    importlib.import_module("apps.integrations.migrations.0003_seed_concerns").seed(django_apps, None)
    assert ProductionConcern.objects.filter(poc=poc).count() == 7  # run twice, seeded once
