"""A new PoC gets a copy of the current checklist template, and its kickoff sections."""

from apps.audit.models import AuditEvent
from apps.audit.selectors import activity_for_poc
from apps.checklists.models import (
    Acknowledgement,
    BusinessCase,
    ChecklistItem,
    ChecklistTemplate,
    Reason,
    TemplateItem,
    ValidationQuestion,
)
from apps.checklists.services import kickoff_setup
from tests.checklists.conftest import items_of, set_item
from tests.factories import make_poc


def test_the_default_template_covers_every_stall_reason_with_two_to_four_items(db):
    template = ChecklistTemplate.objects.get(is_current=True)
    for reason in Reason.values:
        assert 2 <= template.items.filter(reason=reason).count() <= 4


def test_a_new_poc_copies_the_current_template(poc):
    template = ChecklistTemplate.objects.get(is_current=True)
    copied = items_of(poc)
    assert [(i.reason, i.text) for i in copied] == list(
        template.items.order_by("reason", "position", "id").values_list("reason", "text")
    )
    assert all(i.status == "open" and i.version == 1 for i in copied)


def test_a_new_poc_gets_four_validations_five_limits_and_a_business_case(poc):
    assert ValidationQuestion.objects.filter(poc=poc).count() == 4
    assert Acknowledgement.objects.filter(poc=poc).count() == 5
    assert BusinessCase.objects.filter(poc=poc).count() == 1


def test_editing_the_template_leaves_existing_checklists_alone(poc, people):
    template = ChecklistTemplate.objects.get(is_current=True)
    first = template.items.order_by("reason", "position").first()
    before = [(i.reason, i.text) for i in items_of(poc)]
    first.text = "A reworded item"
    first.save()
    TemplateItem.objects.create(template=template, reason=Reason.DATA, position=9, text="A brand new item")
    template.items.filter(reason=Reason.DIRECTION).delete()

    assert [(i.reason, i.text) for i in items_of(poc)] == before
    newer = make_poc(lead=people["lead"], name="Later PoC")
    texts = [i.text for i in items_of(newer)]
    assert "A reworded item" in texts and "A brand new item" in texts
    assert not ChecklistItem.objects.filter(poc=newer, reason=Reason.DIRECTION).exists()


def test_setting_up_twice_does_not_duplicate_the_checklist(poc, people):
    count = ChecklistItem.objects.filter(poc=poc).count()
    kickoff_setup(poc=poc, user=people["lead"])
    assert ChecklistItem.objects.filter(poc=poc).count() == count
    assert ValidationQuestion.objects.filter(poc=poc).count() == 4


def test_item_changes_are_in_the_pocs_activity(poc, people):
    item = items_of(poc)[0]
    set_item(item, people["lead"], status="in_progress", owner=people["contributor"].pk)
    event = AuditEvent.objects.filter(table_name="checklists_checklistitem", op="UPDATE").latest("id")
    assert event.poc_id == poc.pk and event.actor_id == people["lead"].pk
    latest = activity_for_poc(poc.pk)[0]
    assert latest.object_label.startswith("checklist item")
    assert {c.field: c.new for c in latest.changes}["owner"] == str(people["contributor"])
