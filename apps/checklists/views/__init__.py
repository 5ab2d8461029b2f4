from apps.checklists.views.evidence import item_evidence
from apps.checklists.views.kickoff import kickoff, kickoff_item
from apps.checklists.views.sections import acknowledgement, business_case, validation

__all__ = ["acknowledgement", "business_case", "item_evidence", "kickoff", "kickoff_item", "validation"]
