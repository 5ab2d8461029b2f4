"""Evidence files: uploaded through a size-limited handler, downloaded only as attachments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from apps.checklists import permissions, services, uploads
from apps.checklists.forms import EvidenceFileForm
from apps.checklists.models import ChecklistItem
from apps.checklists.views.common import item_row, owner_choices
from apps.checklists.views.kickoff import get_item, render_item
from apps.core.forms import save_form


def evidence_response(item: ChecklistItem) -> FileResponse:
    """The stored file as a download, never rendered inline by the browser."""
    if not item.evidence_file:
        raise Http404("This item has no evidence file")
    try:
        handle = item.evidence_file.open("rb")
    except FileNotFoundError:
        raise Http404("The evidence file is missing from storage") from None
    response = FileResponse(
        handle, as_attachment=True, filename=item.evidence_file_name or "evidence",
        content_type=item.evidence_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@csrf_exempt  # the size limit must be installed before CSRF reads the body; CSRF is checked below
@require_http_methods(["GET", "POST"])
def item_evidence(request, pk, item_id):
    if request.method == "POST":
        uploads.install_size_limit(request)
    return _item_evidence(request, pk, item_id)


@csrf_protect
def _item_evidence(request, pk, item_id):
    poc, item = get_item(request, pk, item_id)
    if request.method == "GET":
        return evidence_response(item)
    permissions.check_item(poc, request.user, item.reason)
    rights = permissions.rights(poc, request.user)
    choices = owner_choices(poc)
    form = EvidenceFileForm(request.POST, request.FILES, prefix_id=f"evidence-{item.pk}")
    error = ""
    if request.upload_too_large:
        error = uploads.too_big_message()
    elif not form.is_valid():
        error = form.errors["file"][0] if "file" in form.errors else "Reload the page and try again."
    else:
        outcome = save_form(
            form,
            lambda data: services.checklist_item_attach_evidence(
                item=item, user=request.user, upload=data["file"], version=data["version"]
            ),
        )
        if outcome.ok:
            item = outcome.result
            item.poc = poc
        elif outcome.conflict:
            item = ChecklistItem.objects.select_related("owner").get(pk=item.pk)
            item.poc = poc
            error = outcome.conflict.message
        else:
            error = (form.errors.get("file") or form.non_field_errors() or ["Reload the page and try again."])[0]
    # The upload is part of the item's open form: answer with the form again, armed with the new version.
    if error:
        return render_item(request, poc, item_row(item, rights, choices, mode="edit", upload_error=error), status=400)
    if request.htmx:
        row = item_row(item, rights, choices, mode="edit")
        return render_item(request, poc, row, with_risk=True, message=f"Attached {item.evidence_file_name}")
    messages.success(request, f"Attached {item.evidence_file_name} to “{item.text}”.")
    return redirect(reverse("checklists:kickoff", args=[poc.pk]) + f"#item-{item.pk}")
