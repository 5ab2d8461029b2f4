"""Targets as data, judged per run and per PoC; the leaderboard; the curated-vs-production gap; the R2 signal;
answering a validation question from a run."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.checklists import selectors as kickoff
from apps.checklists.models import Reason, ValidationQuestion
from apps.evaluations import selectors, services
from apps.evaluations.models import Targets
from apps.pocs.models import PoC
from tests.evaluations.builders import classification_rows, computed_run, setup_evaluations

pytestmark = pytest.mark.django_db


@pytest.fixture
def ev(team, private_media):
    poc, people = team
    production, curated, model_a, model_b = setup_evaluations(poc, people["lead"])
    return poc, people, production, curated, model_a, model_b


def set_targets(poc, user, **changes):
    row = selectors.targets_for(poc)
    return services.targets_update(poc=poc, user=user, changes=changes, version=row.version)


def r2(poc):
    fresh = PoC.objects.get(pk=poc.pk)  # what a new request reads
    return next(r for r in kickoff.stall_risk(fresh) if r.reason == Reason.DATA)


# --- judging ---------------------------------------------------------------------------------------

def test_the_lower_bound_and_the_point_estimate_give_the_documented_answers():
    metrics = {"macro_f1": {"value": 0.87, "ci_low": 0.83, "ci_high": 0.9}}
    on_bound = Targets(quality_metric="macro_f1", quality_threshold=0.85, quality_basis="ci_low")
    on_value = Targets(quality_metric="macro_f1", quality_threshold=0.85, quality_basis="value")
    assert selectors.judge_quality(on_bound, metrics) == "not_met"  # the interval reaches below 0.85
    assert selectors.judge_quality(on_value, metrics) == "met"  # the point estimate is above it
    assert selectors.judge_quality(on_bound, {"accuracy": metrics["macro_f1"]}) == "not_measured"
    assert selectors.judge_quality(Targets(), metrics) is None  # no target set
    latency = Targets(latency_percentile="p95", latency_max_ms=800, min_throughput_per_s=20)
    p95 = {"p95": {"value": 700, "ci_low": 650, "ci_high": 760}}
    assert selectors.judge_latency(latency, p95, {"per_s": 25}) == "met"
    assert selectors.judge_latency(latency, p95, {"per_s": 10}) == "not_met"
    assert selectors.judge_latency(latency, p95, None) == "not_measured"
    assert selectors.judge_latency(latency, {"p95": {"value": 900}}, {"per_s": 25}) == "not_met"


def test_half_a_target_is_refused_naming_the_field(ev):
    poc, people, *_ = ev
    with pytest.raises(Exception) as refused:
        set_targets(poc, people["lead"], quality_metric="macro_f1")
    assert "quality_threshold" in refused.value.errors
    with pytest.raises(Exception) as refused:
        set_targets(poc, people["lead"], latency_max_ms=-1, latency_percentile="p95")
    assert "latency_max_ms" in refused.value.errors
    assert not Targets.objects.filter(poc=poc).exists()


# --- API -------------------------------------------------------------------------------------------

def test_targets_api_reads_nulls_patches_and_judges_each_run(ev, api_for):
    poc, people, production, _, model_a, _ = ev
    api = api_for(people["contributor"])
    url = f"/api/v1/pocs/{poc.pk}/targets/"
    assert api.get(url).json() == {"quality": None, "latency": None, "version": 1}
    run = computed_run(poc, people["lead"], production, model_a, classification_rows(300, 0.9, latency_ms=500))
    body = {"quality": {"metric": "macro_f1", "threshold": 0.8}, "latency": {"percentile": "p95", "max_ms": 800}}
    response = api.patch(url, body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {
        "quality": {"metric": "macro_f1", "threshold": 0.8, "basis": "ci_low"},
        "latency": {"percentile": "p95", "max_ms": 800.0, "min_throughput_per_s": None}, "version": 2,
    }
    detail = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/").json()
    assert detail["targets"] == {"quality": "met", "latency": "met"}
    # a throughput floor the run cannot show (no timestamps): not measured
    api.patch(url, {"latency": {"percentile": "p95", "max_ms": 800, "min_throughput_per_s": 20}}, format="json")
    assert api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/").json()[0]["targets"] == {
        "quality": "met", "latency": "not_measured"}
    cleared = api.patch(url, {"latency": None, "version": 3}, format="json").json()
    assert cleared["latency"] is None and cleared["quality"]["metric"] == "macro_f1"
    stale = api.patch(url, {"quality": None, "version": 1}, format="json")
    assert stale.status_code == 409
    bad = api.patch(url, {"quality": {"metric": "nonsense", "threshold": 1}}, format="json")
    assert bad.status_code == 400 and "quality" in bad.json()
    assert api_for(people["viewer"]).patch(url, {"quality": None}, format="json").status_code == 403
    assert api_for(people["outsider"]).get(url).status_code == 404


def test_the_leaderboard_ranks_versions_with_paired_differences_to_the_best(ev, api_for):
    poc, people, production, _, model_a, model_b = ev
    computed_run(poc, people["lead"], production, model_a, classification_rows(300, 0.92, seed=1))
    # model B misses 50 of A's items and has 30 of its own
    computed_run(poc, people["lead"], production, model_b, classification_rows(280, 0.7, seed=2, first_id=50))
    api = api_for(people["viewer"])
    body = api.get(f"/api/v1/pocs/{poc.pk}/leaderboard/?metric=macro_f1").json()
    assert body["dataset"] == production.pk and body["metric"] == "macro_f1"
    best, second = body["rows"]
    assert best["model_version"] == model_a.pk and best["diff_to_best"] == {"value": 0.0, "ci_low": 0.0,
                                                                            "ci_high": 0.0}
    assert second["model_version"] == model_b.pk and second["value"] < best["value"]
    assert second["paired_n"] == 250 and (second["only_in_run"], second["only_in_best"]) == (30, 50)
    diff = second["diff_to_best"]
    assert diff["ci_low"] <= diff["value"] <= diff["ci_high"] < 0
    for key in ("run", "value", "ci_low", "ci_high"):
        assert key in second
    only_b = api.get(f"/api/v1/pocs/{poc.pk}/leaderboard/?metric=macro_f1&model_version={model_b.pk}").json()
    assert [r["model_version"] for r in only_b["rows"]] == [model_b.pk]
    assert api.get(f"/api/v1/pocs/{poc.pk}/leaderboard/?metric=nope").status_code == 400
    assert api_for(people["outsider"]).get(f"/api/v1/pocs/{poc.pk}/leaderboard/").status_code == 404


def test_the_gap_warning_fires_when_production_is_lower_beyond_the_intervals_and_clears(ev, api_for):
    poc, people, production, curated, model_a, _ = ev
    api = api_for(people["viewer"])
    url = f"/api/v1/pocs/{poc.pk}/quality-gap/?metric=accuracy"
    computed_run(poc, people["lead"], curated, model_a, classification_rows(400, 0.95, seed=1))
    computed_run(poc, people["lead"], production, model_a, classification_rows(400, 0.7, seed=2))
    body = api.get(url).json()
    (row,) = body["rows"]
    assert body["warning"] is True and row["warning"] is True
    assert row["production"]["ci_high"] < row["curated"]["ci_low"]
    diff = row["difference"]
    assert diff["value"] == pytest.approx(row["production"]["value"] - row["curated"]["value"])
    assert diff["ci_low"] <= diff["value"] <= diff["ci_high"] < 0
    # a newer production run as good as the curated one clears it
    computed_run(poc, people["lead"], production, model_a, classification_rows(400, 0.94, seed=3))
    body = api.get(url).json()
    assert body["warning"] is False and body["rows"][0]["warning"] is False
    assert body["rows"][0]["difference"]["ci_low"] < 0 < body["rows"][0]["difference"]["ci_high"]


# --- the stall-risk signal -------------------------------------------------------------------------

def test_the_measured_r2_signal_rises_and_clears(ev):
    poc, people, production, curated, model_a, _ = ev
    lead = people["lead"]
    first = r2(poc)
    assert first.level == "high" and "production sample" in first.why
    set_targets(poc, lead, quality_metric="accuracy", quality_threshold=0.85)
    computed_run(poc, lead, production, model_a, classification_rows(400, 0.75, seed=2))
    short = r2(poc)
    assert short.level == "medium" and "falls short of the target" in short.why
    computed_run(poc, lead, production, model_a, classification_rows(400, 0.95, seed=4))
    assert r2(poc).level in ("low", "medium")
    assert "production sample" not in r2(poc).why  # the measured signal has nothing left to say
    # without a target: a production metric below the curated one beyond the intervals is medium too
    set_targets(poc, lead, quality_metric="", quality_threshold=None)
    computed_run(poc, lead, curated, model_a, classification_rows(400, 0.99, seed=5))
    computed_run(poc, lead, production, model_a, classification_rows(400, 0.7, seed=6))
    gap = r2(poc)
    assert gap.level == "medium" and "beyond the intervals" in gap.why


def test_the_signal_replaces_the_planned_one_under_the_same_name():
    from apps.checklists.risk import SIGNALS
    from apps.evaluations.signals import production_sample_measured

    assert SIGNALS[Reason.DATA]["production_sample"] is production_sample_measured


# --- pages -----------------------------------------------------------------------------------------

def test_targets_are_edited_inline_and_the_pages_say_met(ev, client):
    poc, people, production, _, model_a, _ = ev
    computed_run(poc, people["lead"], production, model_a, classification_rows(300, 0.95))
    client.force_login(people["contributor"])
    url = reverse("evaluations:targets", args=[poc.pk])
    form = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'name="quality_metric"' in form and "data-inline-form" in form
    saved = client.post(url, {"quality_metric": "accuracy", "quality_threshold": "0.85", "quality_basis": "ci_low",
                              "latency_percentile": "", "version": 1}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200 and saved["HX-Trigger"] == "poc-changed"
    html = saved.content.decode()
    assert "Accuracy ≥ 0.85" in html and '<strong class="target-met">met</strong>' in html and 'id="poc-head"' in html
    assert "Quality target: met" in html  # the header badge, refreshed out of band
    refused = client.post(url, {"quality_metric": "accuracy", "quality_threshold": "", "version": 2},
                          HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "Give the threshold" in refused.content.decode()
    overview = client.get(reverse("pocs:detail", args=[poc.pk])).content.decode()
    assert "Quality target: met" in overview


def test_a_run_answers_the_quality_question_with_a_link_to_it(ev, client, settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portal.example.com"]
    poc, people, production, _, model_a, _ = ev
    run = computed_run(poc, people["lead"], production, model_a, classification_rows(300, 0.9, latency_ms=400))
    set_targets(poc, people["lead"], quality_metric="accuracy", quality_threshold=0.8, quality_basis="value")
    client.force_login(people["contributor"])
    page = client.get(reverse("evaluations:run", args=[poc.pk, run.pk])).content.decode()
    assert "Answer “Quality envelope” from this run" in page and "Answer “Latency and throughput floor”" in page
    answered = client.post(reverse("evaluations:run-answer", args=[poc.pk, run.pk]), {"kind": "quality"},
                           HTTP_HX_REQUEST="true", SERVER_NAME="portal.example.com")
    assert answered.status_code == 200, answered.content
    question = ValidationQuestion.objects.get(poc=poc, kind="quality")
    assert question.answer.startswith("Accuracy 0.") and "run #" in question.answer and "met" in question.answer
    assert question.evidence_url == f"http://portal.example.com/pocs/{poc.pk}/evaluations/runs/{run.pk}/"
    client.post(reverse("evaluations:run-answer", args=[poc.pk, run.pk]), {"kind": "latency"},
                SERVER_NAME="portal.example.com")
    assert "p95 latency" in ValidationQuestion.objects.get(poc=poc, kind="latency").answer
    refused = client.post(reverse("evaluations:run-answer", args=[poc.pk, run.pk]), {"kind": "integration"},
                          HTTP_HX_REQUEST="true")
    assert refused.status_code == 400
    client.force_login(people["viewer"])
    assert client.post(reverse("evaluations:run-answer", args=[poc.pk, run.pk]), {"kind": "quality"}).status_code == 403


def _queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_evaluations_pages_cost_the_same_queries_for_one_run_or_many(ev, client):
    poc, people, production, curated, model_a, model_b = ev
    set_targets(poc, people["lead"], quality_metric="accuracy", quality_threshold=0.8)
    run = computed_run(poc, people["lead"], production, model_a, classification_rows(100, 0.9), resamples=200)
    client.force_login(people["lead"])
    index = reverse("evaluations:index", args=[poc.pk])
    run_page = reverse("evaluations:run", args=[poc.pk, run.pk])
    compare = reverse("evaluations:compare", args=[poc.pk])
    before = {url: _queries(client, url) for url in (index, run_page, compare)}
    for seed, (dataset, model) in enumerate([(production, model_b), (curated, model_a), (curated, model_b)] * 2):
        computed_run(poc, people["lead"], dataset, model, classification_rows(100, 0.8, seed=seed), resamples=200)
    after = {url: _queries(client, url) for url in (index, run_page, compare)}
    assert after == before
    # The index also lists the model endpoints and the load tests (one query each, whatever their number), and for
    # editors reads the cost model's volume once (the peak rates the load-test form suggests).
    assert before[index] <= 16 and before[run_page] <= 14 and before[compare] <= 16, before


def test_the_leaderboard_without_a_standard_dataset_says_so(team, private_media, client, api_for):
    poc, people = team
    client.force_login(people["viewer"])
    page = client.get(reverse("evaluations:compare", args=[poc.pk]), HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and "Mark a dataset as standard" in page.content.decode()
    body = api_for(people["viewer"]).get(f"/api/v1/pocs/{poc.pk}/leaderboard/").json()
    assert body["dataset"] is None and body["rows"] == []
