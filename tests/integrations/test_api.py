"""The integrations API as an outside caller sees it: the contract's fields, the verdict, the diagram, rights."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from apps.audit.models import AuditEvent
from apps.integrations.models import ProductionConcern
from apps.pocs.models import PoC, Stage

pytestmark = pytest.mark.django_db

SEEDED = ["identity", "access_control", "audit_logging", "monitoring", "alerting", "error_handling", "retry_logic"]
SVG = "{http://www.w3.org/2000/svg}"


def base(poc):
    return f"/api/v1/pocs/{poc.pk}"


def add(api, poc, **body):
    response = api.post(f"{base(poc)}/integrations/", {"system": "SAP", "direction": "reads_from", **body},
                        format="json")
    assert response.status_code == 201, response.content
    return response.json()


def scope_everything(api, poc, owner, integration_ids):
    """Own, estimate and agree every integration and concern."""
    done = {"owning_team": "Platform", "owner": owner.pk, "estimate_days": "2.5", "estimate_cost": "1000.00",
            "confidence": "medium", "status": "agreed"}
    for pk in integration_ids:
        row = api.get(f"{base(poc)}/integrations/{pk}/").json()
        assert api.patch(f"{base(poc)}/integrations/{pk}/", {**done, "version": row["version"]},
                         format="json").status_code == 200
    for concern in api.get(f"{base(poc)}/production-concerns/").json():
        response = api.patch(f"{base(poc)}/production-concerns/{concern['id']}/",
                             {**done, "version": concern["version"]}, format="json")
        assert response.status_code == 200, response.content


def test_a_new_poc_lists_the_seven_production_concerns(api_for, poc, people):
    rows = api_for(people["viewer"]).get(f"{base(poc)}/production-concerns/").json()
    assert [r["concern"] for r in rows] == SEEDED
    assert all(r["seeded"] and r["status"] == "sketched" and r["owner"] is None for r in rows)
    assert rows[0]["label"] == "Identity"


def test_adding_needs_only_system_and_direction_and_answers_every_field(api_for, poc, people):
    api = api_for(people["contributor"])
    body = add(api, poc)
    assert {k: body[k] for k in ("system", "direction", "boundary", "owning_team", "owner", "estimate_days",
                                 "estimate_cost", "confidence", "status", "notes", "version")} == {
        "system": "SAP", "direction": "reads_from", "boundary": "", "owning_team": "", "owner": None,
        "estimate_days": None, "estimate_cost": None, "confidence": "", "status": "sketched", "notes": "",
        "version": 1,
    }
    assert body["data_classification"] == poc.data_sensitivity  # as the PoC's data sensitivity
    missing = api.post(f"{base(poc)}/integrations/", {"system": "CRM"}, format="json")
    assert missing.status_code == 400 and "direction" in missing.json()
    wrong = api.post(f"{base(poc)}/integrations/", {"system": "CRM", "direction": "sideways"}, format="json")
    assert wrong.status_code == 400 and "direction" in wrong.json()


def test_patch_needs_the_version_and_refuses_a_stale_one(api_for, poc, people):
    api = api_for(people["lead"])
    row = add(api, poc)
    url = f"{base(poc)}/integrations/{row['id']}/"
    assert api.patch(url, {"boundary": "Corporate AD"}, format="json").status_code == 400
    first = api.patch(url, {"boundary": "Corporate AD", "estimate_cost": "1200.50", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    assert first.json()["estimate_cost"] == "1200.50"
    stale = api.patch(url, {"boundary": "DMZ", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["current"]["boundary"] == "Corporate AD" and stale.json()["current_version"] == 2
    negative = api.patch(url, {"estimate_days": "-1", "version": 2}, format="json")
    assert negative.status_code == 400 and "estimate_days" in negative.json()
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404


def test_the_owner_may_be_anyone_active_and_gains_no_access(api_for, poc, people):
    from tests.factories import UserFactory

    api = api_for(people["lead"])
    outsider = people["outsider"]
    row = add(api, poc, owner=outsider.pk, owning_team="ERP team")
    assert row["owner"] == outsider.pk and row["owner_name"] == str(outsider)
    assert api_for(outsider).get(f"{base(poc)}/integrations/").status_code == 404
    assert api_for(outsider).get(f"{base(poc)}/integrations/{row['id']}/").status_code == 404
    gone = UserFactory(is_active=False)
    refused = api.patch(f"{base(poc)}/integrations/{row['id']}/", {"owner": gone.pk, "version": 1}, format="json")
    assert refused.status_code == 400 and "owner" in refused.json()


def test_seeded_concerns_cannot_be_deleted_only_marked_not_applicable(api_for, poc, people):
    api = api_for(people["lead"])
    concern = api.get(f"{base(poc)}/production-concerns/").json()[4]  # alerting
    url = f"{base(poc)}/production-concerns/{concern['id']}/"
    refused = api.delete(url)
    assert refused.status_code == 400 and "not applicable" in refused.json()["detail"]
    assert ProductionConcern.objects.filter(pk=concern["id"]).exists()
    no_reason = api.patch(url, {"not_applicable": True, "version": concern["version"]}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()
    marked = api.patch(url, {"not_applicable": True, "reason": "Batch job, nobody on call",
                             "version": concern["version"]}, format="json")
    assert marked.status_code == 200 and marked.json()["not_applicable"] is True
    duplicate = api.post(f"{base(poc)}/production-concerns/", {"concern": "alerting"}, format="json")
    assert duplicate.status_code == 400
    nameless = api.post(f"{base(poc)}/production-concerns/", {"concern": "custom"}, format="json")
    assert nameless.status_code == 400 and "name" in nameless.json()
    added = api.post(f"{base(poc)}/production-concerns/", {"concern": "custom", "name": "Data retention"},
                     format="json")
    assert added.status_code == 201 and added.json()["seeded"] is False and added.json()["label"] == "Data retention"
    assert api.delete(f"{base(poc)}/production-concerns/{added.json()['id']}/").status_code == 204


def test_summary_totals_and_the_scoped_verdict(api_for, poc, people):
    api = api_for(people["lead"])
    summary = api.get(f"{base(poc)}/integrations/summary/").json()
    assert summary["integrations"] == 0 and summary["concerns"] == 7 and summary["scoped"] is False
    assert summary["missing"][0]["code"] == "no_integrations"
    assert set(summary) == {"integrations", "concerns", "estimate_days", "estimate_cost", "unowned", "unestimated",
                            "not_agreed", "scoped", "missing"}

    ids = [add(api, poc)["id"], add(api, poc, system="Okta", direction="identity")["id"]]
    summary = api.get(f"{base(poc)}/integrations/summary/").json()
    assert (summary["unowned"], summary["unestimated"], summary["not_agreed"]) == (9, 9, 9)
    assert {m["code"] for m in summary["missing"]} == {
        "integration_unowned", "integration_unestimated", "integration_not_agreed",
        "concern_unowned", "concern_unestimated", "concern_not_agreed"}
    okta = next(m for m in summary["missing"] if "Okta" in m["message"])
    assert okta["url"] == f"/pocs/{poc.pk}/integrations/#integration-{ids[1]}"

    scope_everything(api, poc, people["outsider"], ids)
    summary = api.get(f"{base(poc)}/integrations/summary/").json()
    assert summary["scoped"] is True and summary["missing"] == []
    assert Decimal(summary["estimate_days"]) == Decimal("22.5")  # 9 items × 2.5 days
    assert Decimal(summary["estimate_cost"]) == Decimal("9000.00")

    # A concern marked not applicable leaves the totals; an integration back to "estimated" unscopes.
    concern = api.get(f"{base(poc)}/production-concerns/").json()[0]
    api.patch(f"{base(poc)}/production-concerns/{concern['id']}/",
              {"not_applicable": True, "reason": "Internal users only", "version": concern["version"]}, format="json")
    summary = api.get(f"{base(poc)}/integrations/summary/").json()
    assert summary["scoped"] is True and Decimal(summary["estimate_cost"]) == Decimal("8000.00")
    assert summary["concerns"] == 7
    row = api.get(f"{base(poc)}/integrations/{ids[0]}/").json()
    api.patch(f"{base(poc)}/integrations/{ids[0]}/", {"status": "estimated", "version": row["version"]},
              format="json")
    summary = api.get(f"{base(poc)}/integrations/summary/").json()
    assert summary["scoped"] is False and summary["not_agreed"] == 1
    assert summary["missing"] == [{"code": "integration_not_agreed",
                                   "message": "The integration “SAP” is not yet agreed with the owning team.",
                                   "url": f"/pocs/{poc.pk}/integrations/#integration-{ids[0]}"}]


HOSTILE = ["<script>alert(1)</script>", '"]; a -> b', "Ünïcödé & <b>bold</b>", "a\x01b\x0bc", "]]><!--"]


def test_the_diagram_is_svg_naming_every_system_even_hostile_ones(api_for, poc, people):
    api = api_for(people["lead"])
    for i, name in enumerate(HOSTILE):
        add(api, poc, system=name, direction=["reads_from", "writes_to", "identity", "both"][i % 4],
            boundary=name if i % 2 else "")
    response = api.get(f"{base(poc)}/integrations/diagram.svg", HTTP_ACCEPT="image/svg+xml")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    text = response.content.decode()
    assert "<script" not in text
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    names = {"".join(t.itertext()) for t in root.iter(f"{SVG}text")}
    titles = {"".join(t.itertext()) for t in root.iter(f"{SVG}title")}
    for name in HOSTILE:
        shown = name.replace("\x01", "\ufffd").replace("\x0b", "\ufffd")
        assert shown in names, name
        assert any(title.startswith(shown) for title in titles), name
    assert any(t.startswith("Boundary: ") and "a -> b" in t for t in names)


def test_the_diagram_of_a_hundred_integrations_parses_and_names_each(api_for, poc, people):
    from apps.integrations import selectors

    api = api_for(people["lead"])
    directions = ["reads_from", "writes_to", "identity", "both"]
    for i in range(100):
        add(api, poc, system=f"System {i:03d}", direction=directions[i % 4], boundary=f"Zone {i % 3}" if i % 5 else "")
    root = ET.fromstring(api.get(f"{base(poc)}/integrations/diagram.svg").content)
    names = [t.text for t in root.iter(f"{SVG}text") if t.get("class") == "name"]
    assert sorted(n for n in names if n.startswith("System ")) == [f"System {i:03d}" for i in range(100)]
    assert selectors.diagram_svg(PoC.objects.get(pk=poc.pk)) == api.get(
        f"{base(poc)}/integrations/diagram.svg").content.decode()


def test_outsiders_get_404_and_viewers_read_only(api_for, poc, people):
    lead = api_for(people["lead"])
    row = add(lead, poc)
    concern = lead.get(f"{base(poc)}/production-concerns/").json()[0]
    reads = [f"{base(poc)}/integrations/", f"{base(poc)}/integrations/{row['id']}/",
             f"{base(poc)}/integrations/summary/",
             f"{base(poc)}/integrations/diagram.svg", f"{base(poc)}/production-concerns/",
             f"{base(poc)}/production-concerns/{concern['id']}/"]
    viewer, outsider = api_for(people["viewer"]), api_for(people["outsider"])
    for url in reads:
        assert outsider.get(url).status_code == 404, url
        assert viewer.get(url).status_code == 200, url
    events = AuditEvent.objects.count()
    new = {"system": "X", "direction": "both"}
    assert viewer.post(f"{base(poc)}/integrations/", new, format="json").status_code == 403
    assert viewer.patch(reads[1], {"system": "X", "version": 1}, format="json").status_code == 403
    assert viewer.delete(reads[1]).status_code == 403
    assert viewer.patch(reads[5], {"owning_team": "X", "version": 1}, format="json").status_code == 403
    assert AuditEvent.objects.count() == events


def test_a_decided_poc_refuses_changes(api_for, poc, people):
    api = api_for(people["lead"])
    row = add(api, poc)
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
    refused = api.patch(f"{base(poc)}/integrations/{row['id']}/", {"system": "Y", "version": 1}, format="json")
    assert refused.status_code == 400 and "decided" in refused.json()["detail"]
    new = {"system": "Z", "direction": "both"}
    assert api.post(f"{base(poc)}/integrations/", new, format="json").status_code == 400


def test_every_change_is_audited(api_for, poc, people):
    api = api_for(people["lead"])
    row = add(api, poc)
    api.patch(f"{base(poc)}/integrations/{row['id']}/", {"owning_team": "ERP", "version": 1}, format="json")
    events = AuditEvent.objects.filter(table_name="integrations_integration", poc_id=poc.pk).order_by("pk")
    assert [e.op for e in events][-2:] == ["INSERT", "UPDATE"]
    assert events.last().actor_id == people["lead"].pk
