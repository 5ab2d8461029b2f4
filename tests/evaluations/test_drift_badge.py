"""The PoC header says "Drift detected" after a go, read from the stored summary (no query before a decision).

A re-run of the drift watch that drops beyond its interval refreshes the PoC's stored summary as it
finishes, and every page of the PoC then shows the badge in its header with the metric and the drop,
linking to the Evaluations tab's drift card; a re-run without a drop, or a go PoC without a watch,
shows none.
"""

from __future__ import annotations

import re

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.evaluations import services
from apps.evaluations.models import EvalRun, MonitoringRun, Targets
from apps.pocs.models import PoC, Stage
from apps.portfolio.models import PoCSummary
from apps.portfolio.selectors import drift_badge_context
from apps.portfolio.services import summary_compute
from tests.browser.conftest import accessible, page  # noqa: F401  (the browser test's fixtures)
from tests.decisions.helpers import awaiting, meet_costs, meet_integration, meet_owner, sign
from tests.evaluations.model_server import ModelServer
from tests.factories import make_team

pytestmark = pytest.mark.django_db

N_ITEMS = 60
PAGES = [
    "/pocs/{pk}/",
    "/pocs/{pk}/evaluations/",
    "/pocs/{pk}/kickoff/",
    "/pocs/{pk}/graduation/",
    "/pocs/{pk}/people/",
]
DRIFT_FIELDS = ("drift", "drift_metric", "drift_value")


def _items() -> bytes:
    rows = ["id,input,label"] + [f"q{i},answer={'ab'[i % 2]},{'ab'[i % 2]}" for i in range(N_ITEMS)]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def gone(db, private_media, settings):
    """A PoC whose standard dataset was scored by a live run against a loopback model, every criterion met,
    and signed with a go by its decision-maker. Every write's commit callbacks run (the summary refresh
    among them), as they do outside a test."""
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        poc, people = make_team()
    lead = people["lead"]
    with ModelServer() as server:
        settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [server.host]
        with TestCase.captureOnCommitCallbacks(execute=True):
            dataset = services.dataset_create(
                poc=poc, user=lead, data={"name": "Standard", "kind": "production", "is_standard": True}
            )
            model = services.model_version_create(poc=poc, user=lead, data={"name": "gpt"})
            services.dataset_items_replace(dataset=dataset, user=lead, upload=SimpleUploadedFile("items.csv", _items()))
            endpoint = services.model_endpoint_create(
                poc=poc,
                user=lead,
                data={
                    "name": "Prod",
                    "model_version": model.pk,
                    "kind": "http_json",
                    "url": server.url(),
                    "request_template": {"text": "{{input}}", "id": "item"},
                    "response_path": "prediction",
                    "max_concurrency": 8,
                    "timeout_s": 2,
                },
            )
            baseline = services.harness_run_create(poc=poc, user=lead, dataset=dataset, endpoint=endpoint)
        baseline.refresh_from_db()
        assert baseline.status == EvalRun.Status.DONE and baseline.headline == 1.0
        Targets.objects.create(poc=poc, quality_metric="accuracy", quality_threshold=0.8)
        for meet in (meet_costs, meet_owner, meet_integration):
            meet(poc, people)
        with TestCase.captureOnCommitCallbacks(execute=True):
            poc = awaiting(poc, people, all_met=False)
            sign(poc, people["decision_maker"], outcome="go", rationale="Meets every criterion.")
        poc = PoC.objects.get(pk=poc.pk)
        assert poc.stage == Stage.DECIDED and PoCSummary.objects.get(poc=poc).decision_outcome == "go"
        yield poc, people, endpoint, server


def _watch(poc, people, endpoint):
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.monitoring_update(
            poc=poc, user=people["production_owner"], changes={"schedule": "weekly", "endpoint": endpoint.pk}
        )


def _rerun(now=None):
    """The daily check starts the re-run that is due; its job runs, then what its commit set off."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = services.monitoring_due(now=now)
    assert len(started) == 1
    return MonitoringRun.objects.get(pk=started[0])


def _badge(client, url) -> str | None:
    html = client.get(url).content.decode()
    start = html.index('id="poc-head"')
    head = html[start : html.index("</header>", start)]
    found = re.search(r'<a class="badge risk-high" id="drift-badge" href="([^"]+)"[^>]*>([^<]+)</a>', head)
    assert (found is None) == ("Drift detected" not in html), "the badge is in the header or nowhere"
    return None if found is None else f"{found.group(2)} → {found.group(1)}"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _stored_drift(poc) -> dict:
    row = PoCSummary.objects.get(poc_id=poc.pk)
    return {f: getattr(row, f) for f in DRIFT_FIELDS}


def _computed_drift(poc) -> dict:
    row = summary_compute(PoC.objects.get(pk=poc.pk))
    return {f: getattr(row, f) for f in DRIFT_FIELDS}


def test_a_drifted_re_run_shows_the_badge_on_every_page_of_the_poc_right_after_the_run(gone):
    poc, people, endpoint, server = gone
    _watch(poc, people, endpoint)
    client = _client(people["viewer"])
    assert [_badge(client, p.format(pk=poc.pk)) for p in PAGES] == [None] * len(PAGES)

    server.degrade = lambda options: "a"  # half the items now go wrong
    rerun = _rerun()
    assert rerun.status == MonitoringRun.Status.DONE and rerun.alert
    expected = f"Drift detected: accuracy down 0.500 → /pocs/{poc.pk}/evaluations/#drift"
    for who in ("viewer", "lead", "production_owner", "decision_maker"):
        client = _client(people[who])
        assert [_badge(client, p.format(pk=poc.pk)) for p in PAGES] == [expected] * len(PAGES), who
    assert _stored_drift(poc) == {"drift": True, "drift_metric": "accuracy", "drift_value": pytest.approx(-0.5)}
    assert _stored_drift(poc) == _computed_drift(poc)
    assert _client(people["outsider"]).get(f"/pocs/{poc.pk}/").status_code == 404

    # A week on, the model recovered: the next re-run clears the badge as soon as it is done.
    server.degrade = None
    assert not _rerun(now=timezone.now() + timezone.timedelta(days=7)).alert
    assert _badge(_client(people["viewer"]), f"/pocs/{poc.pk}/") is None
    assert _stored_drift(poc) == {"drift": False, "drift_metric": "", "drift_value": None} == _computed_drift(poc)


def test_a_re_run_without_a_drop_shows_no_badge(gone):
    poc, people, endpoint, _ = gone
    _watch(poc, people, endpoint)
    PoCSummary.objects.filter(poc=poc).update(drift=True, drift_metric="stale", drift_value=-1.0)  # spoiled
    rerun = _rerun()
    assert rerun.status == MonitoringRun.Status.DONE and rerun.value == 0 and not rerun.alert
    assert _stored_drift(poc) == {"drift": False, "drift_metric": "", "drift_value": None}  # the run refreshed it
    client = _client(people["lead"])
    assert [_badge(client, p.format(pk=poc.pk)) for p in PAGES] == [None] * len(PAGES)


def test_a_go_poc_without_a_watch_shows_no_badge(gone):
    poc, people, *_ = gone
    client = _client(people["production_owner"])
    assert [_badge(client, p.format(pk=poc.pk)) for p in PAGES] == [None] * len(PAGES)
    assert _stored_drift(poc) == {"drift": False, "drift_metric": "", "drift_value": None} == _computed_drift(poc)


def test_the_badge_costs_no_query_for_a_poc_not_decided(poc, django_assert_num_queries):
    """Every PoC page runs the badge: before the decision it reads nothing (the stage is on the PoC's row)."""
    for stage in (Stage.DRAFT, Stage.RUNNING, Stage.AWAITING_DECISION):
        poc.stage = stage
        with django_assert_num_queries(0):
            assert drift_badge_context(poc, {})["drift"] is False


def test_a_decided_poc_reads_its_summary_once_or_not_at_all_when_loaded_with_it(poc, django_assert_num_queries):
    from apps.portfolio.services import summary_refresh

    PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
    summary_refresh(poc_id=poc.pk)
    decided = PoC.objects.get(pk=poc.pk)
    with django_assert_num_queries(1):  # the summary, by primary key
        assert drift_badge_context(decided, {})["drift"] is False
    loaded = PoC.objects.select_related("portfolio_summary").get(pk=poc.pk)
    with django_assert_num_queries(0):
        assert drift_badge_context(loaded, {})["drift"] is False


def test_the_page_costs_the_same_with_or_without_drift(gone):
    """The header reads the drift from the stored summary only: an alert adds no query to the page."""
    poc, people, endpoint, server = gone
    _watch(poc, people, endpoint)
    client = _client(people["lead"])
    url = f"/pocs/{poc.pk}/"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = queries()
    server.degrade = lambda options: "a"
    assert _rerun().alert
    assert queries() == before
    assert _badge(client, url) is not None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_badge_is_accessible_and_leads_to_the_drift_card(page, live_server, private_media, accessible):  # noqa: F811
    from playwright.sync_api import expect

    from apps.decisions.models import Decision
    from apps.evaluations.models import ModelEndpoint, Monitoring
    from apps.portfolio.services import summary_refresh
    from tests.browser.conftest import login
    from tests.evaluations.builders import classification_rows, computed_run, setup_evaluations

    poc, people = make_team()
    production, _, model_a, _ = setup_evaluations(poc, people["lead"])
    baseline = computed_run(poc, people["lead"], production, model_a, classification_rows(100, 0.9), resamples=200)
    endpoint = ModelEndpoint.objects.create(
        poc=poc, model_version=model_a, name="Production", kind="openai_chat", url="https://models.example.com/v1"
    )
    watch = Monitoring.objects.create(poc=poc, schedule="monthly", endpoint=endpoint, baseline_run=baseline)
    MonitoringRun.objects.create(
        poc=poc,
        monitoring=watch,
        endpoint=endpoint,
        baseline_run=baseline,
        status="done",
        metric="accuracy",
        n=100,
        value=-0.2,
        ci_low=-0.3,
        ci_high=-0.1,
        alert=True,
    )
    # Decided with a go, written directly (the signing path is covered above); then the summary is refreshed.
    Decision.objects.create(poc=poc, outcome="go", rationale="Ready.", criteria_met=6, created_at=timezone.now())
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
    summary_refresh(poc_id=poc.pk)

    login(page, live_server, people["viewer"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/")
    badge = page.locator("#poc-head").get_by_role("link", name="Drift detected: accuracy down 0.200")
    expect(badge).to_be_visible()
    accessible(page, "the Overview with the drift badge")
    badge.click()
    page.wait_for_url(f"{live_server.url}/pocs/{poc.pk}/evaluations/#drift")
    expect(page.locator("#drift").get_by_role("alert")).to_have_text("a drop beyond the interval")
