"""Drift watch after a go: scheduled re-runs of the standard dataset against a loopback model, compared with the
run the decision was signed on item by item; a drop beyond the interval alerts the production owner once."""

from __future__ import annotations

import io

import numpy as np
import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from django.utils import timezone
from scipy import stats

from apps.core.errors import ValidationFailed
from apps.evaluations import compute, paired, providers, services
from apps.evaluations.models import EvalRun, MonitoringRun
from apps.notifications.models import Notification
from apps.pocs.models import PoC, Stage
from tests.evaluations.model_server import ModelServer

pytestmark = pytest.mark.django_db

N_ITEMS = 60


def _items() -> bytes:
    rows = ["id,input,label"] + [f"q{i},answer={'ab'[i % 2]},{'ab'[i % 2]}" for i in range(N_ITEMS)]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def watched(team, private_media, settings, monkeypatch):
    """A PoC whose standard dataset was scored by a live run (the baseline), then decided with a go."""
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    poc, people = team
    lead = people["lead"]
    dataset = services.dataset_create(
        poc=poc, user=lead, data={"name": "Standard", "kind": "production", "is_standard": True}
    )
    model = services.model_version_create(poc=poc, user=lead, data={"name": "gpt"})
    services.dataset_items_replace(dataset=dataset, user=lead, upload=SimpleUploadedFile("items.csv", _items()))
    with ModelServer() as server:
        settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [server.host]
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
        with TestCase.captureOnCommitCallbacks(execute=True):
            baseline = services.harness_run_create(poc=poc, user=lead, dataset=dataset, endpoint=endpoint)
        baseline.refresh_from_db()
        assert baseline.status == EvalRun.Status.DONE and baseline.headline == 1.0
        PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
        outcomes = {poc.pk: "go"}
        monkeypatch.setitem(providers._PROVIDERS, "decision_outcome", lambda p: outcomes.get(p.pk))
        yield PoC.objects.get(pk=poc.pk), people, endpoint, baseline, server, outcomes


def _due(**kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.monitoring_due(**kwargs)


def test_a_degraded_model_raises_the_alert_once_and_tells_the_production_owner(watched, api_for):
    poc, people, endpoint, baseline, server, _ = watched
    owner = people["production_owner"]
    api = api_for(owner)
    response = api.patch(
        f"/api/v1/pocs/{poc.pk}/monitoring/", {"schedule": "weekly", "endpoint": endpoint.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"schedule", "endpoint", "baseline_run", "last_run", "drift"}
    assert body["baseline_run"] == baseline.pk  # the standard-dataset run the decision was signed on
    assert body["drift"] == {"value": None, "ci_low": None, "ci_high": None, "alert": False}

    server.degrade = lambda options: "a"  # now answers "a" to everything: half the items go wrong
    before = server.requests
    assert len(_due()) == 1
    assert server.requests - before == N_ITEMS
    body = api.get(f"/api/v1/pocs/{poc.pk}/monitoring/").json()
    assert body["last_run"]["status"] == "done"
    assert body["drift"]["value"] == pytest.approx(-0.5)
    assert body["drift"]["ci_high"] < 0 and body["drift"]["alert"] is True
    told = Notification.objects.filter(user=owner, kind="evaluations.drift")
    assert told.count() == 1 and poc.name in told.get().subject

    # The scheduler's next run finds nothing due (weekly), and the same re-run done again tells nobody twice.
    assert _due() == []
    services.monitoring_run_execute(monitoring_run_id=MonitoringRun.objects.get().pk)
    assert told.count() == 1
    # A week on, the next re-run is due; the model recovered, so no alert and no new notification.
    server.degrade = None
    assert len(_due(now=timezone.now() + timezone.timedelta(days=7))) == 1
    body = api.get(f"/api/v1/pocs/{poc.pk}/monitoring/").json()
    assert body["drift"]["value"] == 0 and body["drift"]["alert"] is False
    assert told.count() == 1

    client = Client()
    client.force_login(owner)
    html = client.get(f"/pocs/{poc.pk}/evaluations/").content.decode()
    assert 'id="drift"' in html and "Weekly" in html and "no drop beyond the interval" in html


def test_every_other_write_to_the_decided_poc_is_still_refused(watched, api_for):
    poc, people, endpoint, baseline, _, outcomes = watched
    lead = people["lead"]
    services.monitoring_update(
        poc=poc, user=people["production_owner"], changes={"schedule": "monthly", "endpoint": endpoint.pk}
    )
    # The rows as read now, of the decided PoC.
    for row in (endpoint, baseline, baseline.dataset):
        row.refresh_from_db()
        row.poc = poc
    refused = [
        lambda: services.targets_update(
            poc=poc, user=lead, changes={"quality_metric": "accuracy", "quality_threshold": 0.5}, version=1
        ),
        lambda: services.dataset_update(
            dataset=baseline.dataset, user=lead, changes={"description": "x"}, version=baseline.dataset.version
        ),
        lambda: services.harness_run_create(poc=poc, user=lead, dataset=baseline.dataset, endpoint=endpoint),
        lambda: services.model_endpoint_update(endpoint=endpoint, user=lead, changes={"timeout_s": 5}, version=1),
        lambda: services.eval_run_recompute(run=baseline, user=lead),
    ]
    for write in refused:
        with pytest.raises(ValidationFailed, match="decided PoC cannot be changed"):
            write()
    # A viewer may not set the watch; a no-go PoC refuses it like any write; an undecided PoC has nothing to watch.
    api = api_for(people["viewer"])
    assert api.patch(f"/api/v1/pocs/{poc.pk}/monitoring/", {"schedule": "off"}, format="json").status_code == 403
    outcomes[poc.pk] = "no_go"
    with pytest.raises(ValidationFailed, match="decided PoC cannot be changed"):
        services.monitoring_update(poc=poc, user=people["production_owner"], changes={"schedule": "off"})
    assert _due() == []  # nor does the scheduler re-run it
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.EVALUATING)
    with pytest.raises(ValidationFailed, match="not decided yet"):
        services.monitoring_update(poc=PoC.objects.get(pk=poc.pk), user=lead, changes={"schedule": "weekly"})


def test_the_watch_needs_an_endpoint_and_names_the_field(watched, api_for):
    poc, people, *_ = watched
    response = api_for(people["production_owner"]).patch(
        f"/api/v1/pocs/{poc.pk}/monitoring/", {"schedule": "weekly"}, format="json"
    )
    assert response.status_code == 400 and "endpoint" in response.json()
    response = api_for(people["production_owner"]).patch(
        f"/api/v1/pocs/{poc.pk}/monitoring/", {"schedule": "daily"}, format="json"
    )
    assert response.status_code == 400 and "schedule" in response.json()


def test_the_drift_interval_agrees_with_a_hand_computed_paired_bootstrap():
    """Accuracy of the re-run minus the baseline's on the same items is the mean of per-item differences in
    correctness; its bootstrap interval is that of the mean (scipy's percentile bootstrap)."""
    rng = np.random.default_rng(7)
    n = 400
    truth = rng.choice(["a", "b", "c"], size=n)
    before_ok = rng.random(n) < 0.9
    after_ok = rng.random(n) < 0.8
    wrong = {"a": "b", "b": "c", "c": "a"}

    def items(ok):
        ids = np.array([f"i{i}" for i in range(n)])
        pred = np.array([t if k else wrong[t] for t, k in zip(truth, ok, strict=True)])
        labels, inverse = np.unique(np.concatenate([truth, pred]), return_inverse=True)
        outcomes = compute.Outcomes(
            kind=compute.CLASSIFICATION, n=n, labels=list(labels), y_true=inverse[:n], y_pred=inverse[n:]
        )
        return paired.Items(ids=ids, outcomes=outcomes)

    found = paired.paired_difference(items(after_ok), items(before_ok), "accuracy", resamples=20_000, seed=1)
    diff = after_ok.astype(float) - before_ok.astype(float)
    assert found["value"] == pytest.approx(diff.mean())  # by hand: the difference of the two accuracies
    assert found["value"] == pytest.approx(after_ok.mean() - before_ok.mean())
    scipy_ci = stats.bootstrap(
        (diff,), np.mean, method="percentile", n_resamples=20_000, random_state=3, confidence_level=0.95
    ).confidence_interval
    assert found["ci_low"] == pytest.approx(scipy_ci.low, abs=0.01)
    assert found["ci_high"] == pytest.approx(scipy_ci.high, abs=0.01)


def test_a_re_run_whose_job_failed_does_not_block_the_next_one(watched):
    from django.core.management import call_command

    from apps.core.models import Job

    poc, people, endpoint, *_ = watched
    services.monitoring_update(
        poc=poc, user=people["production_owner"], changes={"schedule": "weekly", "endpoint": endpoint.pk}
    )
    with TestCase.captureOnCommitCallbacks(execute=False):  # queued, never sent: a worker that died
        (first,) = services.monitoring_due()
    Job.objects.filter(pk=MonitoringRun.objects.get(pk=first).job_id).update(
        status=Job.Status.FAILED, error="The worker stopped."
    )
    later = timezone.now() + timezone.timedelta(days=8)
    assert len(_due(now=later)) == 1
    stale = MonitoringRun.objects.get(pk=first)
    assert stale.status == MonitoringRun.Status.FAILED and stale.error == "The worker stopped."
    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("drift_watch", stdout=io.StringIO())  # nothing more is due
    assert MonitoringRun.objects.count() == 2


def test_the_signed_outcome_comes_from_decisions_through_the_registered_provider(team):
    """``decisions`` registers the reader; evaluations asks through ``providers`` and never imports it."""
    from apps.decisions.models import Decision

    poc, _ = team
    assert providers.decision_outcome(poc) is None
    Decision.objects.create(poc=poc, outcome="go", rationale="Ready.", criteria_met=6, created_at=timezone.now())
    assert providers.decision_outcome(poc) == "go"


def test_peak_rates_are_the_volume_over_a_month_of_seconds_times_the_factor():
    rows = providers.suggested_rates(
        [{"label": "1×", "volume_per_month": 2_592_000}, {"label": "20×", "volume_per_month": 51_840_000}], factor=3
    )
    assert [(r["label"], r["rate"]) for r in rows] == [("1×", 3.0), ("20×", 60.0)]
    assert providers.peak_rate(100_000, 3) == pytest.approx(100_000 / (30 * 86_400) * 3)
    assert providers.suggested_rates([{"label": "1×", "volume_per_month": 100_000}])[0]["rate"] == 0.116  # up


def test_the_drift_card_costs_the_same_queries_for_one_re_run_or_many(watched):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poc, people, endpoint, baseline, *_ = watched
    row = services.monitoring_update(
        poc=poc, user=people["production_owner"], changes={"schedule": "weekly", "endpoint": endpoint.pk}
    )
    client = Client()
    client.force_login(people["production_owner"])
    url = f"/pocs/{poc.pk}/evaluations/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def rerun(status, value=None):
        MonitoringRun.objects.create(
            poc=poc,
            monitoring=row,
            endpoint=endpoint,
            baseline_run=baseline,
            status=status,
            metric="accuracy",
            n=60,
            value=value,
            ci_low=value,
            ci_high=value,
            alert=False,
        )

    rerun("done", 0.0)
    rerun("failed")
    one = queries()
    for _ in range(5):
        rerun("done", 0.0)
    rerun("failed")
    assert queries() == one
