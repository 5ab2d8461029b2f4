"""Dates that make sense: the decision after kickoff and not in the past, running only from kickoff on."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.errors import TransitionRefused, ValidationFailed
from apps.pocs import services
from apps.pocs.models import PoC, Stage
from tests.factories import make_poc

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def update(poc, user, **changes):
    poc.refresh_from_db()
    return services.poc_update(poc=poc, user=user, changes=changes, version=poc.version)


def test_a_decision_date_in_the_past_is_refused_when_set_or_moved(poc, people):
    with pytest.raises(ValidationFailed) as refused:
        update(poc, people["lead"], decision_due_date=days(-1))
    assert "decision_due_date" in refused.value.errors
    assert "cannot be in the past" in refused.value.errors["decision_due_date"][0]
    with pytest.raises(ValidationFailed):
        make_poc(lead=people["lead"], name="Born late", decision_due_date=days(-3))
    assert update(poc, people["lead"], decision_due_date=days(0)).decision_due_date == days(0)


def test_a_decision_date_that_has_passed_does_not_block_other_edits(poc, people):
    PoC.objects.filter(pk=poc.pk).update(decision_due_date=days(-10))  # it was set in time, then passed
    assert update(poc, people["lead"], name="Still editable").name == "Still editable"
    assert update(poc, people["lead"], decision_due_date=days(-10)).decision_due_date == days(-10)  # unchanged


def test_the_decision_cannot_be_due_before_kickoff(poc, people):
    update(poc, people["lead"], kickoff_date=days(10))
    with pytest.raises(ValidationFailed) as refused:
        update(poc, people["lead"], decision_due_date=days(5))
    assert "before the kickoff date" in refused.value.errors["decision_due_date"][0]
    update(poc, people["lead"], decision_due_date=days(40))
    with pytest.raises(ValidationFailed) as refused:
        update(poc, people["lead"], kickoff_date=days(50))
    assert "kickoff_date" in refused.value.errors


def test_the_overview_names_the_date_problem_on_its_field(client_for, poc, people):
    response = client_for(people["lead"]).post(
        reverse("pocs:field", args=[poc.pk, "decision_due_date"]),
        {"decision_due_date": days(-2).isoformat(), "version": poc.version},
        **HTMX,
    )
    assert response.status_code == 400
    assert "cannot be in the past" in response.content.decode()


def test_running_before_the_kickoff_date_is_refused_with_a_link_to_the_date(client_for, poc, people):
    PoC.objects.filter(pk=poc.pk).update(
        stage=Stage.KICKOFF, kickoff_date=days(7), decision_due_date=days(60), timebox_weeks=6
    )
    poc.refresh_from_db()
    with pytest.raises(TransitionRefused) as refused:
        services.poc_transition(poc=poc, user=people["lead"], to=Stage.RUNNING)
    early = next(m for m in refused.value.missing if m["code"] == "kickoff_date_in_future")
    assert early["url"].endswith("#field-kickoff_date")
    assert "has not come yet" in early["message"] and "change the kickoff date" in early["message"]
    page = client_for(people["lead"]).get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert f'href="/pocs/{poc.pk}/#field-kickoff_date"' in page


def test_the_timebox_input_asks_for_what_the_server_accepts(client_for, poc, people):
    client = client_for(people["lead"])
    form = client.get(reverse("pocs:field", args=[poc.pk, "timebox_weeks"]), **HTMX).content.decode()
    assert 'min="1"' in form and 'max="52"' in form
    assert 'min="1"' in client.get(reverse("pocs:list")).content.decode()


def test_the_why_over_8_weeks_row_shows_only_when_it_applies(client_for, poc, people):
    client = client_for(people["lead"])
    overview = client.get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert 'id="field-timebox_justification" hidden' in overview
    saved = client.post(
        reverse("pocs:field", args=[poc.pk, "timebox_weeks"]), {"timebox_weeks": 10, "version": poc.version}, **HTMX
    ).content.decode()
    # The reason's form comes with the saved timebox, right below it.
    assert 'id="field-timebox_justification" hx-swap-oob="outerHTML"' in saved
    assert 'id="input-timebox_justification"' in saved
    overview = client.get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert 'id="field-timebox_justification" hidden' not in overview
    poc.refresh_from_db()
    back = client.post(
        reverse("pocs:field", args=[poc.pk, "timebox_weeks"]), {"timebox_weeks": 6, "version": poc.version}, **HTMX
    ).content.decode()
    assert 'id="field-timebox_justification" hidden hx-swap-oob="outerHTML"' in back
