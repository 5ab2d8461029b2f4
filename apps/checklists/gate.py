"""The kickoff gate's checklist condition, registered on kickoff → running in ``AppConfig.ready``."""

from __future__ import annotations

from django.urls import reverse

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
            f"The kickoff item “{item.text.rstrip('.')}” (reason {item.reason}, {item.get_reason_display().lower()}) "
            f"is still {item.get_status_display().lower()}: finish it, or accept the risk and write why.",
            f"{page}#item-{item.pk}",
        )
        for item in unresolved
    ]
