"""Every change to a PoC's kickoff goes through one of these functions.

Each checks permission, checks the version the caller read (a stale one raises
``ConflictError``, 409), validates, and writes inside ``audited(user)`` so the audit triggers
record who changed what. Pages and the API call the same functions.
"""

from apps.checklists.services.evidence import checklist_item_attach_evidence
from apps.checklists.services.items import ITEM_FIELDS, checklist_item_update, item_snapshot
from apps.checklists.services.sections import (
    ACKNOWLEDGEMENT_FIELDS,
    BUSINESS_CASE_FIELDS,
    VALIDATION_FIELDS,
    acknowledgement_update,
    business_case_update,
    validation_update,
)
from apps.checklists.services.setup import kickoff_setup

__all__ = [
    "ACKNOWLEDGEMENT_FIELDS",
    "BUSINESS_CASE_FIELDS",
    "ITEM_FIELDS",
    "VALIDATION_FIELDS",
    "acknowledgement_update",
    "business_case_update",
    "checklist_item_attach_evidence",
    "checklist_item_update",
    "item_snapshot",
    "kickoff_setup",
    "validation_update",
]
