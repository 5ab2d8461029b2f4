"""Graduation pages under ``/pocs/<pk>/graduation/``: the six criteria, the request for a decision, the
decision page where the named decision-maker signs, and the verification of a signed decision.

Every view starts from ``access.get_poc_for_user`` (404 for a PoC the user cannot see, 403 for an
action they may not take). The signing page is for the PoC's named decision-maker only (``sign``).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.errors import ServiceError, TransitionRefused
from apps.decisions import canonical, forms, selectors, services
from apps.decisions.verify import verify_decision
from apps.pocs import access, stages
from apps.pocs.models import Stage

TAB = "graduation"
REQUEST_FROM = (Stage.KICKOFF, Stage.RUNNING, Stage.EVALUATING)


def _signed(poc):
    decision = selectors.decision_for(poc)
    if decision is None:
        return None, None
    return decision, selectors.signature_of(decision)


def page_context(request, poc, **extra) -> dict:
    found = selectors.criteria(poc)
    decision, signature = _signed(poc)
    may_manage = access.allowed(poc, request.user, access.MANAGE)
    return {
        "poc": poc,
        "tab": TAB,
        "criteria": found,
        "met": selectors.met_count(found),
        "total": selectors.TOTAL,
        "decision": decision,
        "signature": signature,
        "awaiting": poc.stage == Stage.AWAITING_DECISION,
        "can_request": may_manage and poc.stage in REQUEST_FROM,
        "request_missing": stages.missing_for(poc, Stage.AWAITING_DECISION) if poc.stage in REQUEST_FROM else [],
        "is_signer": access.allowed(poc, request.user, access.SIGN),
        "latest_request": selectors.latest_request(poc),
        **extra,
    }


@login_required
@require_GET
def index(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    return render(request, "decisions/index.html", page_context(request, poc))


@login_required
@require_GET
def badge(request, pk):
    """The header badge's count (n/6), loaded after the page so PoC pages pay nothing for it."""
    poc = access.get_poc_for_user(request.user, pk)
    found = selectors.criteria(poc)
    return render(request, "decisions/_badge_count.html",
                  {"poc": poc, "met": selectors.met_count(found), "total": selectors.TOTAL})


@login_required
@require_POST
def request_decision(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.MANAGE)
    try:
        services.decision_request(poc=poc, user=request.user)
    except TransitionRefused as exc:
        return render(request, "decisions/index.html",
                      page_context(request, poc, request_error=exc.message, refused_missing=exc.missing), status=400)
    except ServiceError as exc:
        return render(request, "decisions/index.html", page_context(request, poc, request_error=exc.message),
                      status=exc.status_code)
    messages.success(request, f"Decision requested: {poc.decision_maker} has been told.")
    return redirect("decisions:index", pk=poc.pk)


def _preview(document: dict) -> list[dict]:
    """The snapshot's parts for the HTML preview, each as indented JSON."""
    return [
        {"name": name, "json": json.dumps(canonical.plain(value), indent=2, ensure_ascii=False, sort_keys=True)}
        for name, value in document.items() if name not in ("format", "criteria", "criteria_met")
    ]


def _sign_context(request, poc, form, **extra) -> dict:
    found = selectors.criteria(poc)
    document = selectors.snapshot_document(poc, found)
    digest = canonical.sha256(canonical.dumps(document))
    if form.is_bound:  # what the signer sees now is what they would sign next
        form.data = form.data.copy()
        form.data["snapshot_sha256"] = digest
    else:
        form.initial["snapshot_sha256"] = digest
    return page_context(request, poc, form=form, snapshot_sha256=digest, preview=_preview(document), **extra)


@login_required
@require_http_methods(["GET", "POST"])
def sign(request, pk):
    """The decision page: the criteria, a preview of what will be frozen, and the signing form."""
    poc = access.get_poc_for_user(request.user, pk, action=access.SIGN)
    if request.method == "GET":
        if poc.stage == Stage.DECIDED:
            return redirect("decisions:index", pk=poc.pk)
        return render(request, "decisions/sign.html", _sign_context(request, poc, forms.SignForm()))
    form = forms.SignForm(request.POST)
    if not form.is_valid():
        return render(request, "decisions/sign.html", _sign_context(request, poc, form), status=400)
    data = form.cleaned_data
    try:
        services.decision_sign(
            poc=poc, user=request.user, request=request, password=data["password"], outcome=data["outcome"],
            rationale=data["rationale"], conditions=data["conditions"], snapshot_sha256=data["snapshot_sha256"],
        )
    except PermissionDenied as exc:
        form.add_error("password", str(exc))
        return render(request, "decisions/sign.html", _sign_context(request, poc, form), status=403)
    except ServiceError as exc:
        for field, errors in exc.errors.items():
            if field in form.fields:
                for error in errors:
                    form.add_error(field, error)
        unmet = exc.errors.get("unmet", [])
        return render(request, "decisions/sign.html",
                      _sign_context(request, poc, form, sign_error=exc.message, unmet=unmet), status=exc.status_code)
    messages.success(request, "Signed. The decision is recorded and the PoC is decided.")
    return redirect(reverse("decisions:index", args=[poc.pk]) + "#signature")


@login_required
@require_GET
def verify(request, pk):
    """Recompute the snapshot hash, the signed record and the audit chain; say "intact" or what differs."""
    poc = access.get_poc_for_user(request.user, pk)
    decision, signature = _signed(poc)
    verdict = verify_decision(decision) if decision is not None else None
    return render(request, "decisions/verify.html",
                  {"poc": poc, "tab": TAB, "decision": decision, "signature": signature, "verdict": verdict})
