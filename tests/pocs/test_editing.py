"""Editing PoC fields: inline over HTMX, validated, and safe against stale writes."""

import pytest
from django.urls import reverse

from apps.core.errors import ConflictError, ValidationFailed
from apps.pocs import services

pytestmark = pytest.mark.django_db


def test_inline_edit_returns_the_field_fragment_and_announces_the_change(client_for, poc, people):
    client = client_for(people["lead"])
    form = client.get(reverse("pocs:field", args=[poc.pk, "sponsor_name"]), HTTP_HX_REQUEST="true")
    assert 'name="version"' in form.content.decode()
    assert "<html" not in form.content.decode()
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "sponsor_name"]),
        {"sponsor_name": "Dana Director", "version": poc.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "Dana Director" in response.content.decode()
    assert response["HX-Trigger"] == "poc-changed"
    poc.refresh_from_db()
    assert poc.sponsor_name == "Dana Director"
    assert poc.version == 2


def test_plain_form_post_works_without_javascript(client_for, poc, people):
    client = client_for(people["contributor"])
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "timebox_weeks"]), {"timebox_weeks": 7, "version": poc.version}
    )
    assert response.status_code == 302
    poc.refresh_from_db()
    assert poc.timebox_weeks == 7


def test_a_stale_edit_is_refused_with_the_current_value_and_keeps_the_users_text(client_for, poc, people):
    services.poc_update(
        poc=poc, user=people["lead"], changes={"production_owner_budget_line": "Current Line"}, version=poc.version
    )
    client = client_for(people["contributor"])
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "production_owner_budget_line"]),
        {"production_owner_budget_line": "My Stale Line", "version": 1},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this PoC" in body
    assert "Current Line" in body
    assert 'value="My Stale Line"' in body
    assert 'name="version" value="2"' in body
    poc.refresh_from_db()
    assert poc.production_owner_budget_line == "Current Line"
    # Saving again with the version now shown succeeds: nothing typed was lost.
    response = client.post(
        reverse("pocs:field", args=[poc.pk, "production_owner_budget_line"]),
        {"production_owner_budget_line": "My Stale Line", "version": 2},
        HTTP_HX_REQUEST="true",
    )
    poc.refresh_from_db()
    assert poc.production_owner_budget_line == "My Stale Line"


def test_stale_plain_post_answers_409(client_for, poc, people):
    services.poc_update(poc=poc, user=people["lead"], changes={"sponsor_name": "A"}, version=poc.version)
    response = client_for(people["lead"]).post(
        reverse("pocs:field", args=[poc.pk, "sponsor_name"]), {"sponsor_name": "B", "version": 1}
    )
    assert response.status_code == 409


def test_service_refuses_a_stale_version_and_writes_nothing(poc, people):
    with pytest.raises(ConflictError) as conflict:
        services.poc_update(poc=poc, user=people["lead"], changes={"name": "New"}, version=poc.version + 5)
    assert conflict.value.current == {"name": poc.name}
    poc.refresh_from_db()
    assert poc.name != "New"


def test_invalid_values_name_the_field(poc, people):
    with pytest.raises(ValidationFailed) as failed:
        services.poc_update(poc=poc, user=people["lead"], changes={"timebox_weeks": 80}, version=poc.version)
    assert "timebox_weeks" in failed.value.errors
    with pytest.raises(ValidationFailed) as failed:
        services.poc_update(poc=poc, user=people["lead"], changes={"name": "  "}, version=poc.version)
    assert "name" in failed.value.errors


def test_unknown_fields_are_refused(poc, people):
    with pytest.raises(ValidationFailed, match="stage"):
        services.poc_update(poc=poc, user=people["lead"], changes={"stage": "decided"}, version=poc.version)


def test_lead_adds_and_removes_a_member(client_for, poc, people):
    from tests.factories import UserFactory

    newcomer = UserFactory(email="newcomer@team.test")
    client = client_for(people["lead"])
    response = client.post(reverse("pocs:people", args=[poc.pk]), {"email": "newcomer@team.test", "role": "viewer"})
    assert response.status_code == 302
    membership = poc.memberships.get(user=newcomer)
    assert membership.role == "viewer"
    url = reverse("pocs:member-change", args=[poc.pk, membership.pk])
    client.post(url, {"action": "remove", "confirm": "yes"})
    assert not poc.memberships.filter(user=newcomer).exists()


def test_adding_an_unknown_email_says_so(client_for, poc, people):
    response = client_for(people["lead"]).post(
        reverse("pocs:people", args=[poc.pk]), {"email": "nobody@nowhere.test", "role": "viewer"}
    )
    assert response.status_code == 400
    assert "No active account uses nobody@nowhere.test" in response.content.decode()


def test_creating_a_poc_from_my_pocs(client_for, people):
    client = client_for(people["outsider"])
    response = client.post(
        reverse("pocs:list"), {"name": "Fraud signal PoC", "timebox_weeks": 6, "data_sensitivity": "internal"}
    )
    assert response.status_code == 302
    detail = client.get(response["Location"])
    assert "Fraud signal PoC" in detail.content.decode()


@pytest.mark.parametrize(
    "path,limit",
    [
        ("/pocs/", 5),  # session, user, the page, its stored summaries (the risk strip), the form's units
        ("/pocs/{pk}/", 10),
        ("/pocs/{pk}/people/", 9),
        ("/pocs/{pk}/activity/", 11),  # + the people to filter by
        ("/api/v1/pocs/", 5),
        ("/api/v1/pocs/{pk}/", 5),
        ("/api/v1/pocs/{pk}/members/", 6),
        ("/api/v1/pocs/{pk}/activity/", 7),
    ],
)
def test_main_pages_answer_in_a_pinned_number_of_queries(
    client_for, poc, people, django_assert_max_num_queries, path, limit
):
    client = client_for(people["lead"])
    url = path.format(pk=poc.pk)
    client.get(url)
    if not url.startswith("/api/") and url != "/pocs/":
        # The header's stall risk runs the live signals the apps above checklists register: one query each.
        from apps.checklists.risk import SIGNALS

        limit += sum(
            1 for by_name in SIGNALS.values() for fn in by_name.values() if fn.__module__ != "apps.checklists.risk"
        )
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_my_pocs_costs_the_same_queries_for_one_poc_or_many(client_for, people, django_capture_on_commit_callbacks):
    """The stall-risk strip of every row comes from the page's stored summaries, read in one query."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import make_poc

    client = client_for(people["lead"])
    with django_capture_on_commit_callbacks(execute=True):  # their summaries are stored after the commit
        make_poc(lead=people["lead"], name="First")
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("pocs:list"))
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(19):
            make_poc(lead=people["lead"], name=f"More {n}", production_owner=people["production_owner"])
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("pocs:list"))
    assert response.content.decode().count('class="risk-strip"') == 20  # every row has its strip
    assert len(many) == len(one)


def test_recomputing_the_summary_runs_a_job_and_shows_its_result(
    client_for, poc, people, django_capture_on_commit_callbacks
):
    from apps.core.models import Job

    client = client_for(people["lead"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pocs:summary", args=[poc.pk]), HTTP_HX_REQUEST="true")
    job = Job.objects.get(subject_type="pocs.poc", subject_id=poc.pk, kind="poc.summary")
    assert job.status == "succeeded"
    assert job.result["members"] == 2
    assert job.result["named_people"] == 3
    fragment = client.get(reverse("pocs:job", args=[poc.pk, job.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Succeeded" in fragment and "hx-trigger" not in fragment
    assert response.status_code == 200


def test_viewer_cannot_start_jobs(client_for, poc, people):
    assert client_for(people["viewer"]).post(reverse("pocs:summary", args=[poc.pk])).status_code == 403
