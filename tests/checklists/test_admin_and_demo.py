"""Admins edit templates in the Django admin; the demo data has kickoffs at every stage."""

from django.core.management import call_command
from django.urls import reverse

from apps.checklists.models import ChecklistItem, ChecklistTemplate, Reason
from apps.pocs.models import PoC, Stage
from tests.factories import make_poc


def test_an_admin_edits_a_template_with_its_items_inline(poc, people, client_for):
    client = client_for(people["admin"])
    template = ChecklistTemplate.objects.get(is_current=True)
    assert client.get(reverse("admin:checklists_checklisttemplate_changelist")).status_code == 200
    change = reverse("admin:checklists_checklisttemplate_change", args=[template.pk])
    assert client.get(change).status_code == 200
    assert "Name the person (not a team)" in client.get(change).content.decode()


def test_making_a_new_template_current_retires_the_old_one_and_only_new_pocs_use_it(poc, people, client_for):
    client = client_for(people["admin"])
    old = ChecklistTemplate.objects.get(is_current=True)
    response = client.post(reverse("admin:checklists_checklisttemplate_add"), {
        "name": "Short kickoff", "description": "", "is_current": "on",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000",
        "items-0-reason": str(Reason.BUSINESS_CASE), "items-0-position": "1", "items-0-text": "Agree the cost ceiling",
        "items-0-help": "", "items-0-key": "economics-threshold",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    old.refresh_from_db()
    assert not old.is_current
    assert ChecklistTemplate.objects.get(is_current=True).name == "Short kickoff"
    assert ChecklistItem.objects.filter(poc=poc).count() == old.items.count()
    newer = make_poc(lead=people["lead"], name="Next PoC")
    assert list(ChecklistItem.objects.filter(poc=newer).values_list("text", flat=True)) == ["Agree the cost ceiling"]


def test_people_without_admin_rights_cannot_edit_templates(people, client_for):
    response = client_for(people["lead"]).get(reverse("admin:checklists_checklisttemplate_changelist"))
    assert response.status_code == 302


def test_the_demo_pocs_have_their_kickoffs_filled_in(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert PoC.objects.filter(stage=Stage.KICKOFF).exists()
    assert PoC.objects.exclude(stage__in=[Stage.DRAFT, Stage.KICKOFF]).exists()
    for poc in PoC.objects.all():
        items = ChecklistItem.objects.filter(poc=poc)
        assert items.exists(), poc.name
        if poc.stage == Stage.KICKOFF:
            assert items.filter(status="done").exists() and items.filter(status="open").exists()
        else:
            assert not items.exclude(status="done").exists()
