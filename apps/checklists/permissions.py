"""Who may change what on the kickoff, read from the table of rights in ``apps.pocs.access``.

Editing follows the PoC's ``edit`` right (lead, contributors, admins). The ops handover items
(reason 4) follow ``edit_ops_items``, which the table also gives the production owner, who
otherwise only reads: the handover is theirs to confirm.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied

from apps.checklists.models import Reason
from apps.pocs import access
from apps.pocs.models import PoC, Stage

OPS_REASONS = frozenset({Reason.OPS_HANDOVER})


@dataclass(frozen=True)
class KickoffRights:
    edit: bool  # business case, validations, acknowledgements, every item
    edit_ops_items: bool  # the items of reason 4

    def item(self, reason: int) -> bool:
        return self.edit or (self.edit_ops_items and reason in OPS_REASONS)

    @property
    def any(self) -> bool:
        return self.edit or self.edit_ops_items


def rights(poc: PoC, user, *, ignore_stage: bool = False) -> KickoffRights:
    """The user's kickoff rights on ``poc`` (``access`` remembers the roles on the PoC instance).

    A decided PoC is read-only for everyone; services say so with their own message, so they
    ask with ``ignore_stage`` and answer 403 only to people who could never edit.
    """
    if poc.stage == Stage.DECIDED and not ignore_stage:
        return KickoffRights(edit=False, edit_ops_items=False)
    return KickoffRights(
        edit=access.allowed(poc, user, access.EDIT), edit_ops_items=access.allowed(poc, user, access.EDIT_OPS_ITEMS)
    )


def check_edit(poc: PoC, user) -> None:
    access.check(poc, user, access.EDIT)


def check_item(poc: PoC, user, reason: int) -> None:
    if rights(poc, user, ignore_stage=True).item(reason):
        return
    if access.allowed(poc, user, access.EDIT_OPS_ITEMS):  # may edit the ops items, not this one
        raise PermissionDenied("As production owner you can change the ops handover items only.")
    access.check(poc, user, access.EDIT)
    raise PermissionDenied("You cannot change this item.")
