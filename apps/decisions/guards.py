"""The guard on every move to awaiting decision: a named decision-maker and a decision due date."""

from __future__ import annotations

from django.urls import reverse

from apps.pocs.models import PoC
from apps.pocs.stages import Missing


def _field_url(poc: PoC, field: str) -> str:
    return reverse("pocs:detail", args=[poc.pk]) + f"#field-{field}"


def decision_maker_and_due_date(poc: PoC) -> list[Missing]:
    missing = []
    if poc.decision_maker_id is None:
        missing.append(Missing("decision_maker_missing", "Name the decision-maker.", _field_url(poc, "decision_maker")))
    if not poc.decision_due_date:
        missing.append(
            Missing("decision_due_date_missing", "Set the decision due date.", _field_url(poc, "decision_due_date"))
        )
    return missing
