"""PoC pages. One view per page; HTMX requests get the named partial of the same template."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.audit.selectors import BadFilter, activity_filters, activity_kinds, describe, event_for_poc, event_page
from apps.core.display import in_sentence
from apps.core.errors import ServiceError, TransitionRefused
from apps.core.forms import conflict_box, rearmed, save_form
from apps.core.jobs import job_check
from apps.core.selectors import job_for
from apps.pocs import access, header, listing, selectors, services
from apps.pocs.forms import FIELD_LABELS, MemberAddForm, PoCCreateForm, field_form_class, person_label
from apps.pocs.models import EDITABLE_FIELDS, LONG_TIMEBOX_WEEKS, PEOPLE_FIELDS, Membership, Stage


def _poc_context(request, poc, tab: str) -> dict:
    return {
        "poc": poc,
        "tab": tab,
        "can_edit": access.allowed(poc, request.user, access.EDIT),
        "can_manage": access.allowed(poc, request.user, access.MANAGE),
    }


def _field_context(poc, field, *, form=None, editing=False, conflict=None, can_edit=False):
    value = getattr(poc, field)
    display = value
    if hasattr(poc, f"get_{field}_display"):
        display = getattr(poc, f"get_{field}_display")()
    return {
        "poc": poc,
        "field": field,
        "label": FIELD_LABELS[field],
        "value": display,
        "form": form,
        "editing": editing,
        "conflict": conflict,
        "can_edit_field": can_edit,
        "hidden": field == "timebox_justification" and not _needs_justification(poc),
    }


def _needs_justification(poc) -> bool:
    """The "why over 8 weeks" row applies: the timebox is over 8 weeks, or a reason is written already."""
    return bool((poc.timebox_weeks or 0) > LONG_TIMEBOX_WEEKS or (poc.timebox_justification or "").strip())


def _justification_row(request, poc) -> str:
    """The "why over 8 weeks" row, swapped in beside the timebox out of band after the timebox is saved.

    It shows when the timebox is over 8 weeks and hides when it is not; a long timebox without a
    reason opens the reason's form right there, for those who may write it.
    """
    field = "timebox_justification"
    can_edit = _can_edit_field(poc, request.user, field)
    ask = can_edit and _needs_justification(poc) and not poc.timebox_justification.strip()
    form = field_form_class(field)(instance=poc, initial={"version": poc.version}) if ask else None
    context = {**_field_context(poc, field, form=form, editing=ask, can_edit=can_edit), "oob": True}
    return render_to_string("pocs/poc_detail.html#field", context, request=request)


def _can_edit_field(poc, user, field) -> bool:
    return poc.stage != Stage.DECIDED and access.allowed(poc, user, access.required_action(field))


@login_required
@require_http_methods(["GET", "POST"])
def poc_list(request):
    form = PoCCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            poc = services.poc_create(
                user=request.user,
                name=form.cleaned_data.pop("name"),
                **{k: v for k, v in form.cleaned_data.items() if v not in (None, "")},
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"Created “{poc.name}”. Name its people and set its dates next.")
            return redirect(poc)
    page = selectors.poc_page(
        request.user,
        q=request.GET.get("q", ""),
        sort=request.GET.get("sort", selectors.DEFAULT_SORT),
        after=request.GET.get("after"),
        before=request.GET.get("before"),
    )
    status = 400 if form.errors else 200
    context = {
        "page": page,
        "pocs": page.pocs,
        "form": form,
        "columns": _sort_columns(page),
        "extra_columns": listing.attach(page.pocs),  # one query per registered column for the whole page
    }
    return render(request, "pocs/poc_list.html", context, status=status)


def _sort_columns(page) -> dict[str, dict]:
    """Each sortable column's link (its natural order, or the reverse when it is the current sort)."""
    columns = {}
    for key, sort in selectors.SORTS.items():
        current = page.sort.removeprefix("-") == key
        reverse = current and not page.sort.startswith("-")
        direction = "descending" if sort.descending != (current and page.sort.startswith("-")) else "ascending"
        columns[key] = {
            "label": sort.label,
            "sort": ("-" if reverse else "") + key,
            "aria_sort": direction if current else None,
        }
    return columns


@login_required
@require_GET
def poc_detail(request, pk):
    poc = access.get_poc_for_user(
        request.user, pk, queryset=selectors.pocs_for_user(request.user).select_related("created_by")
    )
    context = _poc_context(request, poc, "overview")
    context["fields"] = [
        _field_context(poc, f, can_edit=_can_edit_field(poc, request.user, f)) for f in EDITABLE_FIELDS
    ]
    context["moves"] = selectors.stage_moves(poc)
    context["attempts"] = selectors.attempts(poc, request.user)
    if request.htmx and request.htmx.target == "stage-panel":
        return render(request, "pocs/poc_detail.html#stage-panel", context)
    return render(request, "pocs/poc_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def poc_field(request, pk, field):
    """Inline editing of one PoC field: GET shows the form, POST saves it."""
    if field not in EDITABLE_FIELDS:
        raise Http404("No such field")
    poc = access.get_poc_for_user(request.user, pk)
    can_edit = _can_edit_field(poc, request.user, field)
    form_class = field_form_class(field)
    template = "pocs/poc_detail.html#field" if request.htmx else "pocs/poc_field_page.html"
    if request.method == "GET":
        if request.GET.get("cancel") or not can_edit:
            if not can_edit and not request.GET.get("cancel"):
                raise PermissionDenied("You can read this PoC but not change it.")
            return render(request, template, _field_context(poc, field, can_edit=can_edit))
        form = form_class(instance=poc, initial={"version": poc.version})
        ctx = _field_context(poc, field, form=form, editing=True, can_edit=can_edit)
        return render(request, template, ctx)

    if not can_edit:
        raise PermissionDenied("You can read this PoC but not change it.")
    form = form_class(request.POST, instance=poc)
    outcome = save_form(
        form,
        lambda data: services.poc_update(
            poc=poc, user=request.user, changes={field: data[field]}, version=data["version"]
        ),
    )
    conflict = None
    if outcome.ok:
        poc = outcome.result
        if request.htmx:
            html = render_to_string(template, _field_context(poc, field, can_edit=can_edit), request=request)
            if field == "timebox_weeks":
                html += _justification_row(request, poc)
            return header.saved_response(request, poc, html, message=f"Saved {in_sentence(FIELD_LABELS[field])}")
        messages.success(request, f"Saved {in_sentence(FIELD_LABELS[field])}.")
        if field == "timebox_weeks" and _needs_justification(poc) and not poc.timebox_justification.strip():
            messages.info(request, f"A timebox over {LONG_TIMEBOX_WEEKS} weeks needs a reason: write why below.")
            return redirect(f"{poc.get_absolute_url()}#field-timebox_justification")
        return redirect(poc)
    if outcome.conflict:
        poc = access.get_poc_for_user(request.user, pk)
        conflict = conflict_box(
            outcome.conflict,
            typed={},
            labels={field: FIELD_LABELS[field]},
            fields=[field],
            display=lambda _f, _v: _field_context(poc, field)["value"],
        )
        # Keep what the user typed; arm the form with the version they have now seen.
        form = form_class(rearmed(request.POST, poc.version), instance=poc)
    ctx = _field_context(poc, field, form=form, editing=True, conflict=conflict, can_edit=can_edit)
    return render(request, template, ctx, status=outcome.status)


@login_required
@require_POST
def poc_transition(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.MANAGE)
    target = request.POST.get("to", "")
    refused = None
    try:
        poc = services.poc_transition(poc=poc, user=request.user, to=target)
    except TransitionRefused as exc:
        refused = {"message": exc.message, "missing": exc.missing}
    except ServiceError as exc:
        refused = {"message": exc.message, "missing": []}
    if request.htmx:
        context = _poc_context(request, poc, "overview")
        context["moves"] = selectors.stage_moves(poc)
        context["refused"] = refused
        html = render_to_string("pocs/poc_detail.html#stage-panel", context, request=request)
        if refused:
            return HttpResponse(html)
        return header.saved_response(request, poc, html, message=f"Moved to {poc.get_stage_display()}")
    if refused:
        messages.error(request, refused["message"])
    else:
        messages.success(request, f"Moved to {poc.get_stage_display()}.")
    return redirect(poc)


@login_required
@require_POST
def poc_new_attempt(request, pk):
    """Start a new PoC that follows this decided one and open it."""
    poc = access.get_poc_for_user(request.user, pk, action=access.MANAGE)
    try:
        new = services.poc_new_attempt(poc=poc, user=request.user, name=request.POST.get("name", ""))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(poc)
    messages.success(request, f"New attempt started. It follows “{poc.name}”, which stays as decided.")
    return redirect(new)


@login_required
@require_http_methods(["GET", "POST"])
def poc_people(request, pk):
    poc = access.get_poc_for_user(request.user, pk, queryset=selectors.pocs_for_user(request.user))
    form = MemberAddForm(request.POST or None, poc=poc)
    status = 200
    if request.method == "POST":
        access.check(poc, request.user, access.MANAGE)
        if form.is_valid():
            try:
                services.membership_add(
                    poc=poc, user=request.user, member=form.cleaned_data["user"], role=form.cleaned_data["role"]
                )
            except ServiceError as exc:
                form.add_error("email", exc.message)
            else:
                messages.success(request, f"Added {form.cleaned_data['user']} as {form.cleaned_data['role']}.")
                return redirect("pocs:people", pk=poc.pk)
        status = 400
    context = _poc_context(request, poc, "people")
    context.update(
        people=selectors.people_on_poc(poc),
        form=form,
        role_labels=selectors.ROLE_LABELS,
        member_roles=Membership.Role.choices,
    )
    return render(request, "pocs/poc_people.html", context, status=status)


# Who each picker names, and the name its text input sends (the search reads it from there too).
PICKER_INPUTS = {**{field: field for field in PEOPLE_FIELDS}, "member": "email"}


@login_required
@require_GET
def poc_people_search(request, pk):
    """The people pickers' suggestions: active accounts matching the text typed, at most ten.

    Only those who may name people on this PoC (its lead or an administrator) can search: anyone else
    who can see the PoC gets 403, anyone who cannot gets 404. The text comes as ``q`` or under the
    picker's own input name (``?for=lead&lead=ann``), which is what htmx sends from the input.
    """
    poc = access.get_poc_for_user(request.user, pk, action=access.MANAGE)
    purpose = request.GET.get("for", "member")
    if purpose not in PICKER_INPUTS:
        raise Http404("No such picker")
    q = (request.GET.get("q") or request.GET.get(PICKER_INPUTS[purpose]) or "").strip()
    found = selectors.search_people(q, limit=selectors.PEOPLE_SEARCH_LIMIT + 1)
    people = [
        {"pk": u.pk, "full_name": u.full_name, "email": u.email, "label": person_label(u)}
        for u in found[: selectors.PEOPLE_SEARCH_LIMIT]
    ]
    context = {
        "poc": poc,
        "people": people,
        "q": q,
        "more": len(found) > selectors.PEOPLE_SEARCH_LIMIT,
        "short": len(q) < selectors.PEOPLE_SEARCH_MIN_LENGTH,
    }
    return render(request, "_person_options.html", context)


@login_required
@require_POST
def poc_member_change(request, pk, membership_id):
    """Change a member's role, or remove them. Removing asks first: without ``confirm`` the answer is
    a page that says who will lose access and asks again (it works without JavaScript)."""
    poc = access.get_poc_for_user(request.user, pk)
    membership = get_object_or_404(Membership.objects.select_related("user"), poc=poc, pk=membership_id)
    access.check(poc, request.user, access.MANAGE)
    if request.POST.get("action") == "remove" and request.POST.get("confirm") != "yes":
        context = {**_poc_context(request, poc, "people"), "membership": membership}
        return render(request, "pocs/member_remove_confirm.html", context)
    try:
        if request.POST.get("action") == "remove":
            services.membership_remove(membership=membership, user=request.user)
            messages.success(request, f"Removed {membership.user} from the PoC.")
        else:
            services.membership_update(membership=membership, user=request.user, role=request.POST.get("role", ""))
            messages.success(request, f"{membership.user} is now {membership.get_role_display().lower()}.")
    except ServiceError as exc:
        messages.error(request, exc.message)
    return redirect("pocs:people", pk=poc.pk)


@login_required
@require_GET
def poc_activity(request, pk):
    poc = access.get_poc_for_user(request.user, pk)
    context = _poc_context(request, poc, "activity")
    status = 200
    try:
        filters = activity_filters(actor=request.GET.get("actor"), kind=request.GET.get("kind"))
    except BadFilter as exc:
        filters, status = {"actor": None, "kind": None}, 400
        context["filter_error"] = exc
    page = event_page(poc.pk, before=request.GET.get("before"), after=request.GET.get("after"), **filters)
    query = {name: value for name, value in filters.items() if value is not None}
    context.update(
        page=page,
        events=describe(page.events),
        filters=filters,
        filter_query=f"&{urlencode(query)}" if query else "",
        kinds=activity_kinds(),
        people=selectors.people_choices(poc),
    )
    return render(request, "pocs/poc_activity.html", context, status=status)


@login_required
@require_GET
def poc_activity_event(request, pk, event_id):
    """One change with its whole old and new values (the feed shows each value cut short)."""
    poc = access.get_poc_for_user(request.user, pk)
    event = event_for_poc(poc.pk, event_id)
    if event is None:
        raise Http404
    context = _poc_context(request, poc, "activity")
    context.update(events=describe([event]), single=True)
    return render(request, "pocs/poc_activity.html", context)


@login_required
@require_POST
def poc_summary(request, pk):
    poc = access.get_poc_for_user(request.user, pk, action=access.EDIT)
    job = services.poc_summary_request(poc=poc, user=request.user)
    job.refresh_from_db()
    if request.htmx:
        return render(request, "pocs/job_status.html", {"poc": poc, "job": job})
    if job.waiting_for_queue:
        messages.warning(request, f"{job.message}.")
    return redirect(poc)


@login_required
@require_GET
def poc_job(request, pk, job_id):
    poc = access.get_poc_for_user(request.user, pk)
    job = job_for(poc, job_id)
    if job is None:
        raise Http404
    job = job_check(job)  # sends a job the broker refused, recovers one whose worker stopped
    response = render(request, "pocs/job_status.html", {"poc": poc, "job": job})
    if job.is_final and request.htmx:
        response["HX-Trigger"] = "job-finished"
    return response


def home(request):
    if request.user.is_authenticated:
        return redirect("pocs:list")
    return redirect("accounts:login")


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")
