"""Attaching an evidence file to a checklist item."""

from __future__ import annotations

from apps.accounts.models import User
from apps.checklists import permissions, uploads
from apps.checklists.models import ChecklistItem
from apps.checklists.services.items import item_snapshot
from apps.core.versioning import refuse, versioned_update
from apps.pocs.services import check_open


def checklist_item_attach_evidence(
    *, item: ChecklistItem, user: User, upload, version: int | None
) -> ChecklistItem:
    """Store ``upload`` as the item's evidence file after checking its size and real type.

    The file lands under MEDIA_ROOT (outside the web root) with a random name; a replaced file
    stays on disk, since the audit trail still names it. Adding a file changes no typed field, so
    ``version`` may be left out; when given, a stale one is refused like any edit.
    """
    if version is None or version == "":
        version = item.version
    permissions.check_item(item.poc, user, item.reason)
    check_open(item.poc)
    try:
        kind = uploads.check_evidence(upload)
    except uploads.EvidenceRefused as exc:
        raise refuse("file", str(exc)) from None
    stored = []

    def apply(row: ChecklistItem, changes) -> list[str]:
        row.evidence_file.save(upload.name, upload, save=False)
        stored.append(row.evidence_file.name)
        row.evidence_file_name = uploads.safe_name(upload.name)
        row.evidence_content_type = kind.content_type
        return ["evidence_file", "evidence_file_name", "evidence_content_type"]

    try:
        return versioned_update(
            obj=item, user=user, changes={}, version=version, apply=apply, snapshot=item_snapshot, what="item"
        )
    except Exception:
        # The transaction rolled back: do not leave an orphan file behind.
        for name in stored:
            item.evidence_file.storage.delete(name)
        raise
