"""One table of rights: the PoC filter, the object check and the people filter agree, and the
rights the design states hold through the services and the API."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.models import User
from apps.checklists import services as checklist_services
from apps.core.errors import ValidationFailed
from apps.pocs import access, services
from apps.pocs.models import Membership, PoC
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1"
VIEW, EDIT, MANAGE, JUSTIFY, OWN, OPS = "view", "edit", "manage", "justify", "own_items", "edit_ops_items"
SIGN = "sign"  # the go/no-go: the named decision-maker only, admins included in the refusal

# The documented rules, written out by hand: a change to access.RIGHTS must change this too.
EXPECTED = {
    "admin": {VIEW, EDIT, MANAGE, OPS},
    "portfolio_viewer": {VIEW},
    "lead": {VIEW, EDIT, MANAGE, JUSTIFY, OWN, OPS},
    "production_owner": {VIEW, OWN, OPS},
    "decision_maker": {VIEW, OWN, SIGN},
    "sponsor": {VIEW, OWN},  # a viewer's rights
    "creator": {VIEW},
    "contributor": {VIEW, EDIT, OWN, OPS},
    "viewer": {VIEW, OWN},
}
ROLES = list(EXPECTED)
ACTIONS = [VIEW, EDIT, MANAGE, JUSTIFY, OWN, OPS, SIGN]


def holding(role: str) -> tuple[PoC, User]:
    """A PoC and a new person who holds exactly ``role`` on it (nothing else)."""
    founder = UserFactory()
    person = UserFactory()
    if role == "admin":
        person.org_role = User.OrgRole.ADMIN
        person.save()
    elif role == "portfolio_viewer":
        person.org_role = User.OrgRole.PORTFOLIO_VIEWER
        person.save()
    fields = {}
    creator = founder
    if role in ("lead", "production_owner", "decision_maker", "sponsor"):
        fields[role] = person
    if role == "creator":
        creator = person
    fields.setdefault("lead", founder)
    poc = services.poc_create(user=creator, name=f"PoC with a {role}", **fields)
    if role in ("contributor", "viewer"):
        services.membership_add(poc=poc, user=founder, member=person, role=role)
    return PoC.objects.get(pk=poc.pk), person


def readings(poc: PoC, user: User, action: str) -> tuple[bool, bool, bool]:
    """The three readings of the table for one PoC, one person and one action."""
    fresh = PoC.objects.get(pk=poc.pk)  # no roles remembered from an earlier question
    return (
        PoC.objects.allowed_to(user, action).filter(pk=poc.pk).exists(),
        access.allowed(fresh, user, action),
        access.users_allowed(poc, action).filter(pk=user.pk).exists(),
    )


def test_the_table_names_every_role_and_action():
    assert set(access.RIGHTS) == set(ROLES)
    assert set(access.ACTIONS) == set(ACTIONS)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_holds_exactly_its_documented_rights(role):
    poc, person = holding(role)
    assert access.poc_roles(poc, person) == {role}
    assert {action for action in ACTIONS if access.allowed(poc, person, action)} == EXPECTED[role]


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("role", ROLES)
def test_the_poc_filter_the_object_check_and_the_people_filter_agree(role, action):
    poc, person = holding(role)
    in_scope, allowed, holder = readings(poc, person, action)
    assert in_scope == allowed == holder == (action in EXPECTED[role])


@pytest.mark.parametrize("action", ACTIONS)
def test_someone_holding_two_roles_gets_the_rights_of_both(action):
    poc, person = holding("production_owner")
    services.membership_add(poc=poc, user=poc.lead, member=person, role="contributor")
    assert readings(poc, person, action) == (action in EXPECTED["production_owner"] | EXPECTED["contributor"],) * 3


@pytest.mark.parametrize("action", ACTIONS)
def test_outsiders_and_deactivated_people_hold_no_right(action):
    poc, lead = holding("lead")
    outsider = UserFactory()
    assert readings(poc, outsider, action) == (False, False, False)
    lead.is_active = False
    lead.save()
    assert readings(poc, lead, action) == (False, False, False)
    assert not access.allowed(poc, None, action)


def test_visible_to_and_editable_by_are_the_view_and_edit_scopes(poc, people):
    for user in people.values():
        assert set(PoC.objects.visible_to(user)) == set(PoC.objects.allowed_to(user, "view"))
        assert set(PoC.objects.editable_by(user)) == set(PoC.objects.allowed_to(user, "edit"))


def test_an_unknown_action_is_an_error(poc, people):
    with pytest.raises(ValueError):
        access.allowed(poc, people["lead"], "delete")
    with pytest.raises(ValueError):
        PoC.objects.allowed_to(people["lead"], "delete")


def test_roles_cost_one_query_and_are_remembered_on_the_poc(poc, people):
    fresh = PoC.objects.get(pk=poc.pk)
    with CaptureQueriesContext(connection) as queries:
        for action in ACTIONS:
            access.allowed(fresh, people["contributor"], action)
    assert len(queries) == 1


def test_the_people_on_the_poc_are_the_named_roles_and_members(poc, people):
    on_it = {"lead", "contributor", "viewer", "production_owner", "decision_maker"}
    assert set(access.people_on_poc_queryset(poc)) == {people[name] for name in on_it}
    for name, user in people.items():
        assert access.is_on_poc(poc, user) is (name in on_it), name


def test_a_deactivated_member_is_no_longer_on_the_poc(poc, people):
    people["viewer"].is_active = False
    people["viewer"].save()
    assert people["viewer"] not in access.people_on_poc_queryset(poc)


@pytest.mark.parametrize(
    "field,action",
    [
        ("lead", "manage"),
        ("production_owner", "manage"),
        ("decision_maker", "manage"),
        ("sponsor", "manage"),
        ("sponsor_name", "manage"),
        ("timebox_justification", "justify"),
        ("name", "edit"),
        ("timebox_weeks", "edit"),
        ("decision_due_date", "edit"),
    ],
)
def test_each_field_names_the_right_it_needs(field, action):
    assert access.required_action(field) == action


# --- Rights that must hold, through the services and the API -----------------------------------

PEOPLE_CHANGES = ["lead", "production_owner", "decision_maker", "sponsor", "sponsor_name"]


def _new_value(field, people, *, api=False):
    """What a contributor tries to set: themselves in a people field, another name as sponsor."""
    if field == "sponsor_name":
        return "Someone else"
    return people["contributor"].pk if api else people["contributor"]


@pytest.mark.parametrize("field", PEOPLE_CHANGES)
def test_a_contributor_cannot_change_the_people_or_the_sponsor(field, poc, people):
    before = services.field_value(poc, field)
    with pytest.raises(PermissionDenied):
        services.poc_update(
            poc=poc, user=people["contributor"], changes={field: _new_value(field, people)}, version=poc.version
        )
    poc.refresh_from_db()
    assert services.field_value(poc, field) == before


@pytest.mark.parametrize("field", PEOPLE_CHANGES)
def test_a_contributor_gets_403_changing_the_people_or_the_sponsor_over_the_api(field, api_for, poc, people):
    before = services.field_value(poc, field)
    response = api_for(people["contributor"]).patch(
        f"{BASE}/pocs/{poc.pk}/", {field: _new_value(field, people, api=True), "version": poc.version}, format="json"
    )
    assert response.status_code == 403, response.content
    poc.refresh_from_db()
    assert services.field_value(poc, field) == before


def test_a_contributor_gets_403_changing_the_sponsor_on_the_page(client_for, poc, people):
    client = client_for(people["contributor"])
    url = reverse("pocs:field", args=[poc.pk, "sponsor_name"])
    assert client.get(url).status_code == 403
    response = client.post(url, {"sponsor_name": "Someone else", "version": poc.version})
    assert response.status_code == 403
    poc.refresh_from_db()
    assert poc.sponsor_name == ""
    page = client.get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert "Edit sponsor" not in page and "Edit name" in page


def test_the_lead_and_an_admin_may_change_the_sponsor(poc, people):
    poc = services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "Dana"}, version=poc.version)
    poc = services.poc_update(
        poc=poc, user=people["admin"], changes={"sponsor": people["portfolio"], "sponsor_name": ""}, version=poc.version
    )
    fresh = PoC.objects.get(pk=poc.pk)
    assert (fresh.sponsor, fresh.sponsor_name) == (people["portfolio"], "")
    assert fresh.sponsor_label == people["portfolio"].get_full_name()


def test_a_contributor_cannot_add_change_or_remove_members(api_for, poc, people):
    membership = Membership.objects.get(poc=poc, user=people["viewer"])
    with pytest.raises(PermissionDenied):
        services.membership_add(poc=poc, user=people["contributor"], member=people["outsider"], role="viewer")
    with pytest.raises(PermissionDenied):
        services.membership_update(membership=membership, user=people["contributor"], role="contributor")
    with pytest.raises(PermissionDenied):
        services.membership_remove(membership=membership, user=people["contributor"])
    api = api_for(people["contributor"])
    members = f"{BASE}/pocs/{poc.pk}/members/"
    assert api.post(members, {"user": people["outsider"].pk, "role": "viewer"}, format="json").status_code == 403
    assert api.patch(f"{members}{membership.pk}/", {"role": "contributor"}, format="json").status_code == 403
    assert api.delete(f"{members}{membership.pk}/").status_code == 403
    membership.refresh_from_db()
    assert membership.role == "viewer"
    assert not Membership.objects.filter(poc=poc, user=people["outsider"]).exists()


@pytest.mark.parametrize("who", ["contributor", "admin"])
def test_only_the_lead_writes_the_timebox_justification(who, api_for, poc, people):
    with pytest.raises(PermissionDenied):
        services.poc_update(
            poc=poc, user=people[who], changes={"timebox_justification": "Two data drops"}, version=poc.version
        )
    response = api_for(people[who]).patch(
        f"{BASE}/pocs/{poc.pk}/", {"timebox_justification": "Two data drops", "version": poc.version}, format="json"
    )
    assert response.status_code == 403, response.content
    poc.refresh_from_db()
    assert poc.timebox_justification == ""
    poc = services.poc_update(
        poc=poc, user=people["lead"], changes={"timebox_justification": "Two data drops"}, version=poc.version
    )
    assert PoC.objects.get(pk=poc.pk).timebox_justification == "Two data drops"


def test_a_contributor_still_edits_the_other_fields(api_for, poc, people):
    response = api_for(people["contributor"]).patch(
        f"{BASE}/pocs/{poc.pk}/", {"timebox_weeks": 7, "version": poc.version}, format="json"
    )
    assert response.status_code == 200, response.content
    assert PoC.objects.get(pk=poc.pk).timebox_weeks == 7


# --- Item owners: only people on the PoC ---------------------------------------------------------


def _first_item(poc):
    from apps.checklists.models import ChecklistItem

    return ChecklistItem.objects.filter(poc=poc).order_by("reason", "position", "id").first()


@pytest.mark.parametrize("who", ["portfolio", "admin"])
def test_someone_not_on_the_poc_cannot_own_an_item_over_the_api(who, api_for, poc, people):
    item = _first_item(poc)
    response = api_for(people["lead"]).patch(
        f"{BASE}/pocs/{poc.pk}/checklist/{item.pk}/", {"owner": people[who].pk, "version": item.version},
        format="json",
    )
    assert response.status_code == 400, response.content
    assert "owner" in response.json()
    item.refresh_from_db()
    assert item.owner_id is None


@pytest.mark.parametrize("who", ["portfolio", "admin"])
def test_the_item_service_refuses_an_owner_not_on_the_poc(who, poc, people):
    item = _first_item(poc)
    with pytest.raises(ValidationFailed) as refused:
        checklist_services.checklist_item_update(
            item=item, user=people["lead"], changes={"owner": people[who].pk}, version=item.version
        )
    assert "owner" in refused.value.errors


@pytest.mark.parametrize("who", ["lead", "production_owner", "decision_maker", "contributor", "viewer"])
def test_people_on_the_poc_may_own_an_item(who, api_for, poc, people):
    item = _first_item(poc)
    response = api_for(people["lead"]).patch(
        f"{BASE}/pocs/{poc.pk}/checklist/{item.pk}/", {"owner": people[who].pk, "version": item.version},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == people[who].pk
