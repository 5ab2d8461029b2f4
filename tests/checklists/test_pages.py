"""The kickoff page: grouped checklist, inline saves with out-of-band updates, conflicts, access."""

import re

import pytest
from django.urls import reverse

from apps.checklists.models import Acknowledgement, ChecklistItem, Reason, ValidationQuestion
from tests.checklists.conftest import items_of, set_item

HTMX = {"HTTP_HX_REQUEST": "true"}


def page(poc):
    return reverse("checklists:kickoff", args=[poc.pk])


def item_url(poc, item):
    return reverse("checklists:item", args=[poc.pk, item.pk])


def item_edit_links(html, poc):
    """The Edit links of the checklist items on the page: each opens that item's form in place."""
    return html.count(f'class="edit" href="/pocs/{poc.pk}/kickoff/items/')


def form_data(item, **changes):
    data = {
        "status": item.status, "owner": item.owner_id or "", "due_date": "", "evidence_url": item.evidence_url,
        "evidence_note": item.evidence_note, "notes": item.notes, "justification": item.justification,
        "version": item.version,
    }
    data.update(changes)
    return data


def test_the_kickoff_page_groups_items_by_reason_with_progress_and_risk(poc, people, client_for):
    response = client_for(people["lead"]).get(page(poc))
    assert response.status_code == 200
    html = response.content.decode()
    for reason in Reason:
        assert f'id="reason-{reason.value}"' in html and reason.label in html
        assert f'id="progress-r{reason.value}"' in html
    assert 'id="risk-panel"' in html and 'id="risk-badge"' in html
    assert 'aria-current="page">Kickoff' in html
    assert item_edit_links(html, poc) == ChecklistItem.objects.filter(poc=poc).count()
    assert "What this PoC cannot tell" in html and "Business case" in html


def test_the_header_on_every_poc_page_shows_stall_risk_and_weeks(poc, people, client_for):
    client = client_for(people["viewer"])
    for name in ("pocs:detail", "pocs:people", "pocs:activity", "checklists:kickoff"):
        html = client.get(reverse(name, args=[poc.pk])).content.decode()
        assert 'id="risk-badge"' in html and "Stall risk: high" in html, name
        assert f"Timebox {poc.timebox_weeks} weeks · not started" in html, name


def live_signals_of_other_apps() -> int:
    """Stall signals registered by the apps above checklists: each reads its own rows, one query apiece."""
    from apps.checklists.risk import SIGNALS

    return sum(1 for signals in SIGNALS.values() for fn in signals.values() if fn.__module__ != "apps.checklists.risk")


def test_the_kickoff_page_runs_a_fixed_number_of_queries(poc, people, client_for, django_assert_max_num_queries):
    client = client_for(people["contributor"])
    with django_assert_max_num_queries(8 + live_signals_of_other_apps()):
        assert client.get(page(poc)).status_code == 200


def test_the_kickoff_page_is_rows_with_no_form_until_edit_is_clicked(poc, people, client_for):
    client = client_for(people["contributor"])
    html = client.get(page(poc)).content.decode()
    main = html[html.index('<main id="main">'):]
    assert not re.search(r"<(select|textarea)\b", main) and 'name="status"' not in main
    assert "0 of 15 resolved" in html and 'id="progress-all"' in html
    for reason in Reason:
        assert f'href="#reason-{reason.value}"' in html
    item = items_of(poc)[0]
    form = client.get(item_url(poc, item), **HTMX).content.decode()
    assert 'class="item-form"' in form and 'name="status"' in form and "data-inline-form" in form
    line = client.get(item_url(poc, item) + "?cancel=1", **HTMX).content.decode()
    assert "item-form" not in line and "data-inline-edit" in line
    quality = ValidationQuestion.objects.get(poc=poc, kind="quality")
    url = reverse("checklists:validation", args=[poc.pk, quality.pk])
    assert 'name="target"' in client.get(url, **HTMX).content.decode()
    assert 'name="target"' not in client.get(url + "?cancel=1", **HTMX).content.decode()
    viewer_card = client_for(people["viewer"]).get(url, **HTMX).content.decode()
    assert 'name="target"' not in viewer_card and "Edit" not in viewer_card


def test_an_htmx_save_answers_the_item_and_updates_progress_and_badge_out_of_band(poc, people, client_for):
    item = items_of(poc, reason=Reason.DATA)[1]
    response = client_for(people["contributor"]).post(
        item_url(poc, item), form_data(item, status="done", notes="Sample plan agreed"), **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="item" id="item-{item.pk}"')
    assert 'id="progress-r2" hx-swap-oob="true"' in html
    assert "1 of 3 resolved" in html
    assert 'id="risk-badge"' in html and 'id="risk-panel" hx-swap-oob="true"' in html
    assert "<html" not in html
    item.refresh_from_db()
    assert (item.status, item.notes, item.version) == ("done", "Sample plan agreed", 2)


def test_a_save_without_javascript_redirects_back_to_the_item(poc, people, client_for):
    item = items_of(poc)[0]
    response = client_for(people["lead"]).post(item_url(poc, item), form_data(item, status="in_progress"))
    assert response.status_code == 302
    assert response["Location"] == f"{page(poc)}#item-{item.pk}"


def test_accepting_a_risk_in_the_page_needs_a_justification(poc, people, client_for):
    item = items_of(poc)[0]
    client = client_for(people["lead"])
    response = client.post(item_url(poc, item), form_data(item, status="accepted_risk"), **HTMX)
    assert "Write why this risk is accepted" in response.content.decode()
    item.refresh_from_db()
    assert item.status == "open"
    client.post(item_url(poc, item), form_data(item, status="accepted_risk", justification="Sponsor agreed"), **HTMX)
    html = client.get(page(poc)).content.decode()
    assert "Accepted risk" in html and "Sponsor agreed" in html


def test_a_stale_htmx_save_shows_the_current_value_keeps_the_typed_text_and_can_be_saved_again(
    poc, people, client_for
):
    item = items_of(poc)[0]
    seen = form_data(item)
    set_item(item, people["lead"], notes="The lead's note")  # someone else saves first
    client = client_for(people["contributor"])
    response = client.post(item_url(poc, item), {**seen, "notes": "My careful note"}, **HTMX)
    html = response.content.decode()
    assert "Someone else changed this item" in html
    assert "The lead&#x27;s note" in html
    assert "My careful note" in html
    assert 'name="version" value="2"' in html
    item.refresh_from_db()
    assert item.notes == "The lead's note"

    again = client.post(item_url(poc, item), {**seen, "notes": "My careful note", "version": 2}, **HTMX)
    assert "Someone else changed" not in again.content.decode()
    item.refresh_from_db()
    assert (item.notes, item.version) == ("My careful note", 3)


def test_validations_limits_and_business_case_save_inline(poc, people, client_for):
    client = client_for(people["contributor"])
    quality = ValidationQuestion.objects.get(poc=poc, kind="quality")
    response = client.post(
        reverse("checklists:validation", args=[poc.pk, quality.pk]),
        {"hypothesis": "Good enough", "target": "macro-F1 ≥ 0.85", "answer": "", "evidence_url": "", "version": 1},
        **HTMX,
    )
    assert response.status_code == 200 and 'id="validation-quality"' in response.content.decode()
    assert 'id="risk-badge"' in response.content.decode()
    ack = Acknowledgement.objects.get(poc=poc, kind="ops_burden")
    response = client.post(
        reverse("checklists:acknowledgement", args=[poc.pk, ack.pk]),
        {"acknowledged": "on", "answered_where": "Ops plan", "notes": "", "version": 1}, **HTMX,
    )
    assert "Acknowledged" in response.content.decode()
    response = client.post(
        reverse("checklists:business-case", args=[poc.pk]),
        {"value_hypothesis": "Fewer misrouted invoices", "unit": "invoice", "value_per_unit": "1.5",
         "monthly_benefit": "", "max_cost_per_unit": "0.2", "max_monthly_cost": "", "currency": "EUR",
         "version": 1},
        **HTMX,
    )
    assert response.status_code == 200
    quality.refresh_from_db()
    ack.refresh_from_db()
    assert quality.target == "macro-F1 ≥ 0.85" and ack.acknowledged and ack.answered_where == "Ops plan"
    assert poc.business_case.max_cost_per_unit is not None


def test_a_stale_business_case_save_shows_the_current_values(poc, people, client_for):
    client = client_for(people["contributor"])
    url = reverse("checklists:business-case", args=[poc.pk])
    base = {"value_hypothesis": "", "unit": "", "value_per_unit": "", "monthly_benefit": "", "max_cost_per_unit": "",
            "max_monthly_cost": "", "currency": "EUR", "version": 1}
    client.post(url, {**base, "unit": "invoice"}, **HTMX)
    html = client.post(url, {**base, "unit": "claim"}, **HTMX).content.decode()
    assert "Someone else changed this business case" in html
    assert '<span class="current-value">invoice</span>' in html and 'value="claim"' in html


# --- Access: outsider 404, read-only 403 on writes, contributor edits, production owner R4 only -----


def test_outsiders_get_404_on_every_kickoff_page(poc, people, client_for):
    item = items_of(poc)[0]
    client = client_for(people["outsider"])
    assert client.get(page(poc)).status_code == 404
    assert client.get(item_url(poc, item)).status_code == 404
    assert client.post(item_url(poc, item), form_data(item, status="done")).status_code == 404
    assert client.get(reverse("checklists:item-evidence", args=[poc.pk, item.pk])).status_code == 404
    quality = ValidationQuestion.objects.get(poc=poc, kind="quality")
    assert client.post(reverse("checklists:validation", args=[poc.pk, quality.pk]), {}).status_code == 404
    assert client.post(reverse("checklists:business-case", args=[poc.pk]), {}).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "decision_maker", "portfolio"])
def test_read_only_people_see_the_page_without_forms_and_get_403_on_saves(poc, people, client_for, role):
    item = items_of(poc)[0]
    client = client_for(people[role])
    html = client.get(page(poc)).content.decode()
    assert "item-form" not in html and "<form method=\"post\" action=\"/pocs" not in html
    assert client.post(item_url(poc, item), form_data(item, status="done")).status_code == 403
    ack = Acknowledgement.objects.get(poc=poc, kind="adoption")
    assert client.post(reverse("checklists:acknowledgement", args=[poc.pk, ack.pk]), {}).status_code == 403
    assert client.post(reverse("checklists:business-case", args=[poc.pk]), {}).status_code == 403


def test_the_production_owner_edits_only_the_ops_handover_items(poc, people, client_for):
    client = client_for(people["production_owner"])
    html = client.get(page(poc)).content.decode()
    ops = items_of(poc, reason=Reason.OPS_HANDOVER)
    assert item_edit_links(html, poc) == len(ops)
    assert client.post(item_url(poc, ops[0]), form_data(ops[0], status="done"), **HTMX).status_code == 200
    other = items_of(poc, reason=Reason.DATA)[0]
    assert client.post(item_url(poc, other), form_data(other, status="done"), **HTMX).status_code == 403
    assert client.post(reverse("checklists:business-case", args=[poc.pk]), {}).status_code == 403
