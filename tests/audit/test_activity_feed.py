"""The activity feed reads like sentences, records only real changes, and filters by person and kind."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.checklists.models import Acknowledgement, ChecklistItem, LimitKind
from apps.checklists.services import acknowledgement_update, checklist_item_attach_evidence, checklist_item_update
from apps.pocs import services

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def feed(client, poc, query=""):
    return client.get(reverse("pocs:activity", args=[poc.pk]) + query)


def entries(response) -> str:
    """The feed's list of changes, without the page around it."""
    return response.content.decode().split('<ol class="activity">')[1]


def first_item(poc):
    return ChecklistItem.objects.filter(poc=poc).order_by("reason", "position", "id").first()


def test_choices_booleans_and_limits_read_as_words(client_for, poc, people):
    item = first_item(poc)
    item = checklist_item_update(
        item=item, user=people["lead"], changes={"status": "in_progress"}, version=item.version
    )
    checklist_item_update(item=item, user=people["lead"], changes={"status": "done"}, version=item.version)
    limit = Acknowledgement.objects.get(poc=poc, kind=LimitKind.PRODUCTION_COST)
    acknowledgement_update(
        acknowledgement=limit,
        user=people["lead"],
        version=limit.version,
        changes={"acknowledged": True, "answered_where": "Cost model"},
    )
    page = feed(client_for(people["viewer"]), poc).content.decode()
    assert "Status</span>: <del>In progress</del> → <ins>Done</ins>" in page
    assert "changed limit “What production will really cost”" in page
    assert "Acknowledged</span>: <del>no</del> → <ins>yes</ins>" in page
    for code in ("in_progress", "production_cost", "False", "True", "None"):
        assert code not in page.split('<ol class="activity">')[1]


def test_evidence_is_shown_by_its_file_name(client_for, poc, people, private_media):
    item = first_item(poc)
    upload = SimpleUploadedFile("rollout-plan.pdf", PDF, content_type="application/pdf")
    checklist_item_attach_evidence(item=item, user=people["lead"], upload=upload, version=item.version)
    page = feed(client_for(people["viewer"]), poc).content.decode()
    assert "<ins>rollout-plan.pdf</ins>" in page
    assert "evidence/poc-" not in page


def test_dates_and_blanks_are_written_one_way(client_for, poc, people):
    due = timezone.localdate() + datetime.timedelta(days=30)
    services.poc_update(poc=poc, user=people["lead"], changes={"decision_due_date": due}, version=poc.version)
    page = feed(client_for(people["viewer"]), poc).content.decode()
    assert f"Decision due date</span>: <del>—</del> → <ins>{due:%-d %b %Y}</ins>" in page


def test_a_save_that_changes_nothing_records_nothing(api_for, poc, people):
    before = AuditEvent.objects.filter(poc_id=poc.pk).count()
    same = services.poc_update(poc=poc, user=people["lead"], changes={"name": poc.name}, version=poc.version)
    assert same.version == poc.version
    item = first_item(poc)
    checklist_item_update(item=item, user=people["lead"], changes={"status": item.status}, version=item.version)
    response = api_for(people["lead"]).patch(
        f"/api/v1/pocs/{poc.pk}/", {"timebox_weeks": poc.timebox_weeks, "version": poc.version}, format="json"
    )
    assert response.status_code == 200 and response.json()["version"] == poc.version
    assert AuditEvent.objects.filter(poc_id=poc.pk).count() == before
    # A real change is still recorded, once.
    services.poc_update(poc=poc, user=people["lead"], changes={"name": "Renamed"}, version=poc.version)
    assert AuditEvent.objects.filter(poc_id=poc.pk).count() == before + 1


def test_the_feed_filters_by_person_and_kind_on_the_page_and_in_the_api(client_for, api_for, poc, people):
    services.poc_update(poc=poc, user=people["lead"], changes={"name": "By the lead"}, version=poc.version)
    item = first_item(poc)
    checklist_item_update(item=item, user=people["contributor"], changes={"status": "done"}, version=item.version)
    client = client_for(people["viewer"])

    mine = feed(client, poc, f"?actor={people['contributor'].pk}")
    assert "Contributor</strong> changed checklist item" in entries(mine) and "By the lead" not in entries(mine)
    assert f'<option value="{people["contributor"].pk}" selected>' in mine.content.decode()
    kind = entries(feed(client, poc, "?kind=poc"))
    assert "By the lead" in kind and "changed checklist item" not in kind

    api = api_for(people["viewer"])
    url = f"/api/v1/pocs/{poc.pk}/activity/"
    results = api.get(url, {"actor": people["contributor"].pk, "kind": "checklist_item"}).json()["results"]
    assert (
        results
        and {r["actor"] for r in results} == {"Contributor"}
        and {r["table"] for r in results} == {"checklists_checklistitem"}
    )
    for alias in ("checklistitem", "checklist"):  # the model's name and a kind's first word work too
        aliased = api.get(url, {"kind": alias}).json()["results"]
        assert {r["table"] for r in aliased} == {"checklists_checklistitem"}
    by_model_name = api.get(url, {"kind": "checklistitem"}).json()["results"]
    assert {r["table"] for r in by_model_name} == {"checklists_checklistitem"}

    refused = api.get(url, {"kind": "nonsense"})
    assert refused.status_code == 400 and "not a kind of change" in refused.json()["kind"][0]
    assert api.get(url, {"actor": "someone"}).status_code == 400
    page = feed(client, poc, "?kind=nonsense")
    assert page.status_code == 400 and "not a kind of change" in page.content.decode()


def test_pages_of_a_filtered_feed_keep_the_filter(client_for, poc, people):
    from apps.pocs.models import PoC

    for n in range(55):
        PoC.objects.filter(pk=poc.pk).update(name=f"Name {n}")
    page = feed(client_for(people["viewer"]), poc, "?kind=poc").content.decode()
    assert "&amp;kind=poc" in page and "Older →" in page
