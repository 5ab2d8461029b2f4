"""The Django admin is not a side door: PoCs, their people and their kickoff rows are read-only
there, for superusers too; checklist templates stay the admins' to edit."""

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.checklists.models import Acknowledgement, BusinessCase, ChecklistItem, ValidationQuestion
from apps.pocs.models import Membership, PoC
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

POC_ROWS = [PoC, ChecklistItem, ValidationQuestion, Acknowledgement, BusinessCase]


@pytest.fixture(params=["org_admin", "superuser"])
def admin_user(request, people):
    if request.param == "org_admin":
        return people["admin"]
    return UserFactory(email="root@team.test", is_staff=True, is_superuser=True, org_role=User.OrgRole.MEMBER)


def _url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_posting_the_poc_change_form_is_refused_and_changes_nothing(client_for, admin_user, poc, people):
    client = client_for(admin_user)
    change = _url(PoC, "change", poc.pk)
    assert client.get(change).status_code == 200  # admins may look
    response = client.post(change, {
        "name": "Renamed in the admin", "description": "", "sponsor_name": "Admin", "lead": admin_user.pk,
        "production_owner": "", "decision_maker": "", "production_owner_budget_line": "",
        "timebox_weeks": "6", "timebox_justification": "", "data_sensitivity": "internal", "version": poc.version,
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    })
    assert response.status_code == 403
    fresh = PoC.objects.get(pk=poc.pk)
    assert (fresh.name, fresh.sponsor_name, fresh.lead_id, fresh.version) == (
        poc.name, poc.sponsor_name, people["lead"].pk, poc.version
    )


def test_posting_a_checklist_item_change_form_is_refused_and_changes_nothing(client_for, admin_user, poc):
    item = ChecklistItem.objects.filter(poc=poc).order_by("id").first()
    client = client_for(admin_user)
    change = _url(ChecklistItem, "change", item.pk)
    assert client.get(change).status_code == 200
    response = client.post(change, {
        "poc": poc.pk, "reason": item.reason, "position": item.position, "text": "Changed in the admin",
        "status": "done", "notes": "side door", "justification": "", "version": item.version,
    })
    assert response.status_code == 403
    fresh = ChecklistItem.objects.get(pk=item.pk)
    assert (fresh.text, fresh.status, fresh.notes, fresh.version) == (item.text, item.status, item.notes, item.version)


@pytest.mark.parametrize("model", POC_ROWS, ids=lambda m: m.__name__)
def test_poc_rows_cannot_be_added_or_deleted_in_the_admin(model, client_for, admin_user, poc):
    client = client_for(admin_user)
    row = model.objects.filter(poc=poc).first() if model is not PoC else poc
    rows = model.objects.count()
    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.post(_url(model, "add"), {}).status_code == 403
    assert client.post(_url(model, "delete", row.pk), {"post": "yes"}).status_code == 403
    assert model.objects.count() == rows


def test_members_show_on_their_poc_without_controls_to_change_them(client_for, admin_user, poc, people):
    page = client_for(admin_user).get(_url(PoC, "change", poc.pk)).content.decode()
    assert str(people["contributor"]) in page
    assert "memberships-0-DELETE" not in page and 'name="memberships-0-role"' not in page
    assert Membership.objects.filter(poc=poc).count() == 2


def test_the_bulk_delete_action_is_not_offered_for_pocs(client_for, admin_user, poc):
    client = client_for(admin_user)
    response = client.post(
        _url(PoC, "changelist"), {"action": "delete_selected", "_selected_action": [poc.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    assert PoC.objects.filter(pk=poc.pk).exists()


def test_people_without_admin_rights_do_not_see_poc_rows_in_the_admin(client_for, people, poc):
    response = client_for(people["lead"]).get(_url(PoC, "changelist"))
    assert response.status_code == 302  # sent to the admin sign-in: not staff


def test_checklist_templates_stay_editable_by_admins(client_for, admin_user):
    from apps.checklists.models import ChecklistTemplate

    template = ChecklistTemplate.objects.get(is_current=True)
    response = client_for(admin_user).post(
        _url(ChecklistTemplate, "change", template.pk),
        {
            "name": "Renamed template", "description": "", "is_current": "on",
            "items-TOTAL_FORMS": "0", "items-INITIAL_FORMS": "0",
            "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    template.refresh_from_db()
    assert template.name == "Renamed template"
