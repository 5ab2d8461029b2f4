"""The kickoff gate's checklist condition, registered on kickoff → running in ``AppConfig.ready``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator

from apps.checklists.models import RESOLVED, ChecklistItem
from apps.pocs.models import PoC
from apps.pocs.stages import Missing


def kickoff_checklist_resolved(poc: PoC) -> list[Missing]:
    """One ``Missing`` per checklist item that is neither done nor accepted as a risk, linking to it."""
    page = reverse("checklists:kickoff", args=[poc.pk])
    unresolved = (
        ChecklistItem.objects.filter(poc_id=poc.pk).exclude(status__in=RESOLVED).only("id", "reason", "text", "status")
    )
    return [
        Missing(
            "checklist_item_unresolved",
            f"Kickoff R{item.reason}, {item.get_status_display().lower()}: "
            f"{Truncator(item.text.rstrip('.')).chars(70)} (finish it or accept the risk).",
            f"{page}#item-{item.pk}",
        )
        for item in unresolved
    ]
