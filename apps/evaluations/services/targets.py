"""The PoC's quality and latency targets, and a run's measurement written as a validation answer."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.audit.context import audited
from apps.core.versioning import check_fields, refuse, versioned_update
from apps.evaluations.models import EvalRun, Targets
from apps.evaluations.services.common import _check
from apps.pocs.models import PoC
from apps.pocs.signals import inputs_changed

TARGET_FIELDS = ("quality_metric", "quality_threshold", "quality_basis", "latency_percentile", "latency_max_ms",
                 "min_throughput_per_s")
ANSWER_KINDS = ("quality", "latency")


def targets_snapshot(targets: Targets) -> dict:
    return {f: getattr(targets, f) for f in TARGET_FIELDS}


def targets_update(*, poc: PoC, user, changes: dict[str, Any], version) -> Targets:
    """Set the PoC's quality and latency targets (any of ``TARGET_FIELDS``; the row is made on first use).

    An empty metric or percentile clears that target; the model's ``clean()`` refuses half a target.
    """
    _check(poc, user)
    check_fields(changes, TARGET_FIELDS)
    changes = dict(changes)
    if "quality_basis" in changes and not changes["quality_basis"]:
        changes["quality_basis"] = Targets.Basis.CI_LOW
    with audited(user), transaction.atomic():
        row, _ = Targets.objects.get_or_create(poc=poc)
        row.poc = poc
        inputs_changed(poc.pk)
        return versioned_update(obj=row, user=user, changes=changes, version=version, snapshot=targets_snapshot,
                                what="targets")


def validation_answer_from_run(*, run: EvalRun, user, kind: str, evidence_url: str, version=None):
    """Write a run's measurement as the answer of the quality or latency validation question, with a
    link to the run as its evidence, through the kickoff's own ``validation_update`` (rights, the
    decided rule, the version check and the audit trail all stay there)."""
    from apps.checklists import selectors as kickoff_selectors
    from apps.checklists import services as kickoff_services
    from apps.evaluations.selectors import run_answer, targets_for

    _check(run.poc, user)
    if kind not in ANSWER_KINDS:
        raise refuse("kind", "Only the quality and latency questions can be answered from a run.")
    answer = run_answer(run, kind, targets_for(run.poc))
    if answer is None:
        raise refuse("kind", f"This run has no {kind} measurement to answer with.")
    question = next(v for v in kickoff_selectors.validations(run.poc) if v.kind == kind)
    question.poc = run.poc
    return kickoff_services.validation_update(
        validation=question, user=user, changes={"answer": answer, "evidence_url": evidence_url},
        version=question.version if version in (None, "") else version,
    )
