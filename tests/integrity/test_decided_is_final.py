"""A decided PoC's record is final: every service that writes PoC data refuses it, for everyone.

The list of services is read from the code, so a new service must be added to ``CALLS`` (and so
to this rule) or to ``NOT_POC_WRITES`` with the reason it does not write a PoC's data.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

import apps
from apps.audit.models import AuditEvent
from apps.checklists import services as kickoff
from apps.core.errors import ValidationFailed
from apps.pocs import services
from apps.pocs.models import Membership, PoC, Stage

pytestmark = pytest.mark.django_db

NOT_POC_WRITES = {
    "apps.pocs.services.check_open": "the check itself",
    "apps.pocs.services.field_value": "reads a field",
    "apps.pocs.services.poc_snapshot": "reads the fields",
    "apps.pocs.services.poc_create": "creates a new PoC in draft",
    "apps.pocs.services.poc_summary_compute": "reads the PoC for a job's result",
    "apps.pocs.services.poc_summary_request": "queues a read-only summary job; writes no PoC data",
    "apps.checklists.services.items.item_snapshot": "reads an item",
    "apps.checklists.services.sections.snapshot_of": "reads a section",
    "apps.checklists.services.setup.current_template": "reads the template",
    "apps.checklists.services.setup.kickoff_setup": "runs only inside poc_create, for a PoC in draft",
}


def _item(poc):
    item = poc.checklist_items.order_by("pk").first()
    item.poc = poc
    return item


def _row(rows, poc):
    row = rows.order_by("pk").first()
    row.poc = poc
    return row


CALLS: dict[str, Callable] = {
    "apps.pocs.services.poc_update": lambda poc, p: services.poc_update(
        poc=poc, user=p["lead"], changes={"name": "Renamed"}, version=poc.version
    ),
    "apps.pocs.services.poc_transition": lambda poc, p: services.poc_transition(
        poc=poc, user=p["lead"], to=Stage.AWAITING_DECISION
    ),
    "apps.pocs.services.membership_add": lambda poc, p: services.membership_add(
        poc=poc, user=p["lead"], member=p["outsider"], role="viewer"
    ),
    "apps.pocs.services.membership_update": lambda poc, p: services.membership_update(
        membership=Membership.objects.get(poc=poc, user=p["viewer"]), user=p["lead"], role="contributor"
    ),
    "apps.pocs.services.membership_remove": lambda poc, p: services.membership_remove(
        membership=Membership.objects.get(poc=poc, user=p["viewer"]), user=p["lead"]
    ),
    "apps.checklists.services.items.checklist_item_update": lambda poc, p: kickoff.checklist_item_update(
        item=_item(poc), user=p["lead"], changes={"status": "done"}, version=_item(poc).version
    ),
    "apps.checklists.services.evidence.checklist_item_attach_evidence": lambda poc, p: (
        kickoff.checklist_item_attach_evidence(
            item=_item(poc), user=p["lead"], upload=SimpleUploadedFile("note.txt", b"evidence\n"), version=None
        )
    ),
    "apps.checklists.services.sections.validation_update": lambda poc, p: kickoff.validation_update(
        validation=_row(poc.validation_questions, poc),
        user=p["lead"],
        changes={"target": "x"},
        version=_row(poc.validation_questions, poc).version,
    ),
    "apps.checklists.services.sections.acknowledgement_update": lambda poc, p: kickoff.acknowledgement_update(
        acknowledgement=_row(poc.acknowledgements, poc),
        user=p["lead"],
        changes={"notes": "x"},
        version=_row(poc.acknowledgements, poc).version,
    ),
    "apps.checklists.services.sections.business_case_update": lambda poc, p: kickoff.business_case_update(
        business_case=_row(type(poc.business_case).objects.filter(poc=poc), poc),
        user=p["lead"],
        changes={"unit": "claim"},
        version=poc.business_case.version,
    ),
}


def _service_functions() -> set[str]:
    """Every public function defined in a ``services`` module or package of a project app."""
    found = set()
    for info in pkgutil.walk_packages(apps.__path__, "apps."):
        parts = info.name.split(".")
        if "services" not in parts[2:3] and not (len(parts) > 3 and parts[2] == "services"):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isfunction(obj) and not name.startswith("_") and obj.__module__ == info.name:
                found.add(f"{info.name}.{name}")
    return found


def test_every_service_is_held_to_the_rule_or_says_why_not():
    functions = _service_functions()
    assert "apps.pocs.services.poc_update" in functions  # the discovery itself works
    unlisted = functions - set(CALLS) - set(NOT_POC_WRITES)
    assert not unlisted, f"add these services to CALLS (or NOT_POC_WRITES with a reason): {sorted(unlisted)}"
    gone = (set(CALLS) | set(NOT_POC_WRITES)) - functions
    assert not gone, f"these listed services no longer exist: {sorted(gone)}"


@pytest.mark.parametrize("service", sorted(CALLS))
def test_a_decided_poc_refuses_the_write(service, team, private_media):
    poc, people = team
    if not Membership.objects.filter(poc=poc, user=people["viewer"]).exists():
        services.membership_add(poc=poc, user=people["lead"], member=people["viewer"], role="viewer")
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
    poc = PoC.objects.get(pk=poc.pk)
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed, match="decided PoC cannot be changed"):
        CALLS[service](poc, people)
    assert AuditEvent.objects.count() == events, "a refused write must leave no trace"


@pytest.mark.parametrize("service", sorted(CALLS))
def test_the_same_write_goes_through_before_the_decision(service, team, private_media):
    """The refusal above is about the decision, not a call that fails anyway."""
    poc, people = team
    if not Membership.objects.filter(poc=poc, user=people["viewer"]).exists():
        services.membership_add(poc=poc, user=people["lead"], member=people["viewer"], role="viewer")
    if service.endswith("poc_transition"):
        PoC.objects.filter(pk=poc.pk).update(stage=Stage.EVALUATING)
    poc = PoC.objects.get(pk=poc.pk)
    events = AuditEvent.objects.count()
    CALLS[service](poc, people)
    assert AuditEvent.objects.count() > events
