"""Giving a new PoC its kickoff: a copy of the current checklist template and empty sections."""

from __future__ import annotations

from apps.accounts.models import User
from apps.audit.context import audited
from apps.checklists.models import (
    Acknowledgement,
    BusinessCase,
    ChecklistItem,
    ChecklistTemplate,
    LimitKind,
    ValidationKind,
    ValidationQuestion,
)
from apps.pocs.models import PoC


def current_template() -> ChecklistTemplate | None:
    return ChecklistTemplate.objects.filter(is_current=True).first()


def kickoff_setup(*, poc: PoC, user: User | None, template: ChecklistTemplate | None = None) -> None:
    """Copy the template's items onto ``poc`` and create its validations, limits and business case.

    The items are copies, so editing the template later leaves this PoC's checklist alone.
    Safe to call again: a PoC that already has a checklist is not given a second one.
    """
    template = template or current_template()
    with audited(user):
        if template is not None and not ChecklistItem.objects.filter(poc=poc).exists():
            ChecklistItem.objects.bulk_create(
                ChecklistItem(
                    poc=poc, template_item=item, reason=item.reason, position=item.position, key=item.key,
                    text=item.text, help=item.help,
                )
                for item in template.items.order_by("reason", "position", "id")
            )
        existing = set(ValidationQuestion.objects.filter(poc=poc).values_list("kind", flat=True))
        ValidationQuestion.objects.bulk_create(
            ValidationQuestion(poc=poc, kind=kind) for kind in ValidationKind.values if kind not in existing
        )
        existing = set(Acknowledgement.objects.filter(poc=poc).values_list("kind", flat=True))
        Acknowledgement.objects.bulk_create(
            Acknowledgement(poc=poc, kind=kind) for kind in LimitKind.values if kind not in existing
        )
        BusinessCase.objects.get_or_create(poc=poc)
