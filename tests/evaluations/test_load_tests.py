"""Load tests against a loopback model whose latency grows with the request rate: the knee is found, the
rate is held within 10% (counted at the server), the total number of requests is bounded."""

from __future__ import annotations

import math

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from apps.evaluations import loadtest, services
from apps.evaluations.models import LoadTest
from tests.evaluations.model_server import ModelServer

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(team, private_media, settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "production"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt"})
    services.dataset_items_replace(
        dataset=dataset,
        user=people["lead"],
        upload=SimpleUploadedFile("items.csv", b"id,input,label\n1,answer=a,a\n2,answer=b,b\n3,answer=a,a\n"),
    )
    with ModelServer() as server:
        settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [server.host]
        endpoint = services.model_endpoint_create(
            poc=poc,
            user=people["lead"],
            data={
                "name": "E",
                "model_version": model.pk,
                "kind": "http_json",
                "url": server.url(),
                "request_template": {"text": "{{input}}", "id": "item"},
                "response_path": "prediction",
                "max_concurrency": 16,
                "timeout_s": 2,
            },
        )
        yield poc, people, dataset, endpoint, server


def run_load_test(poc, user, **options) -> LoadTest:
    with TestCase.captureOnCommitCallbacks(execute=True):
        test = services.load_test_create(poc=poc, user=user, **options)
    test.refresh_from_db()
    return test


def test_the_knee_is_the_first_rate_where_the_latency_target_fails_and_rates_hold_at_the_server(live, api_for):
    poc, people, dataset, endpoint, server = live
    # Fast below 12 requests a second, slow above: the p95 target of 100 ms holds at 4 and 8, fails at 20.
    server.delay_for_rate = lambda recent: 0.005 if recent <= 12 else 0.25
    services.targets_update(
        poc=poc, user=people["lead"], changes={"latency_percentile": "p95", "latency_max_ms": 100}, version=1
    )
    api = api_for(people["contributor"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(
            f"/api/v1/pocs/{poc.pk}/load-tests/",
            {"endpoint": endpoint.pk, "dataset": dataset.pk, "rates": [8, 4, 20], "duration_s": 2},
            format="json",
        )
    assert response.status_code == 202, response.content
    body = api.get(f"/api/v1/pocs/{poc.pk}/load-tests/{response.json()['id']}/").json()
    assert body["status"] == "done", body["error"]
    assert [row["rate"] for row in body["rates"]] == [4, 8, 20]
    assert body["knee_rate"] == 20
    assert server.requests == 8 + 16 + 40  # rate × duration each, no more
    by_rate = {row["rate"]: row for row in body["rates"]}
    assert by_rate[4]["p95"]["value"] < 100 < by_rate[20]["p95"]["value"]
    for row in body["rates"]:
        assert set(row) >= {"rate", "n", "p50", "p95", "p99", "error_rate"}
        assert row["error_rate"] == 0 and row["n"] == row["rate"] * 2
        assert row["p50"]["ci_low"] <= row["p50"]["value"] <= row["p50"]["ci_high"]
    # The rate held within 10%, counted at the server: arrivals of each step over its span.
    arrivals = sorted(server.arrivals)
    start = 0
    for rate in (4, 8, 20):
        n = rate * 2
        step = arrivals[start : start + n]
        start += n
        assert (n - 1) / (step[-1] - step[0]) == pytest.approx(rate, rel=0.10)


def test_no_knee_when_the_target_holds_everywhere_or_none_is_set(live):
    poc, people, dataset, endpoint, server = live
    untargeted = run_load_test(poc, people["lead"], endpoint=endpoint, dataset=dataset, rates=[5], duration_s=1)
    assert untargeted.status == "done" and untargeted.knee_rate is None and untargeted.results["percentile"] is None
    services.targets_update(
        poc=poc, user=people["lead"], changes={"latency_percentile": "p99", "latency_max_ms": 1000}, version=1
    )
    held = run_load_test(poc, people["lead"], endpoint=endpoint, dataset=dataset, rates=[2, 5], duration_s=1)
    assert held.status == "done" and held.knee_rate is None


def test_requests_and_time_are_bounded_and_the_default_rates_are_1_5_20(live, settings, api_for):
    poc, people, dataset, endpoint, _ = live
    api = api_for(people["lead"])
    url = f"/api/v1/pocs/{poc.pk}/load-tests/"
    settings.HARNESS_MAX_ITEMS = 100
    too_many = api.post(url, {"endpoint": endpoint.pk, "dataset": dataset.pk, "duration_s": 10}, format="json")
    assert too_many.status_code == 400 and "260 requests; the limit is 100" in too_many.json()["detail"]
    settings.HARNESS_MAX_RUN_SECONDS = 20
    too_long = api.post(
        url, {"endpoint": endpoint.pk, "dataset": dataset.pk, "rates": [1], "duration_s": 30}, format="json"
    )
    assert too_long.status_code == 400 and "HARNESS_MAX_RUN_SECONDS" in too_long.json()["detail"]
    bad = api.post(url, {"endpoint": endpoint.pk, "dataset": dataset.pk, "rates": [5, 5]}, format="json")
    assert bad.status_code == 400 and "each rate once" in bad.json()["detail"]
    viewer = api_for(people["viewer"]).post(url, {"endpoint": endpoint.pk, "dataset": dataset.pk}, format="json")
    assert viewer.status_code == 403
    assert not LoadTest.objects.exists()
    settings.HARNESS_MAX_ITEMS, settings.HARNESS_MAX_RUN_SECONDS = 100_000, 540
    with TestCase.captureOnCommitCallbacks(execute=False):
        queued = api.post(url, {"endpoint": endpoint.pk, "dataset": dataset.pk}, format="json")
    assert queued.status_code == 202 and queued.json()["requested_rates"] == [1, 5, 20]
    assert queued.json()["status"] == "queued"


def test_the_knee_reads_the_point_estimate_of_the_targets_percentile():
    row = lambda rate, p95: {"rate": rate, "p95": {"value": p95, "ci_low": p95 - 1, "ci_high": p95 + 1}}  # noqa: E731
    rows = [row(1, 50), row(5, 99), row(20, 101)]
    assert loadtest.knee(rows, percentile="p95", max_ms=100) == 20
    assert loadtest.knee(rows, percentile="p90", max_ms=100) == 20  # judged on the next percentile measured
    assert loadtest.knee(rows, percentile="p95", max_ms=200) is None
    assert loadtest.knee(rows[:1] + [{"rate": 5, "p95": None}], percentile="p95", max_ms=100) == 5
    assert loadtest.knee(rows, percentile=None, max_ms=None) is None
    assert math.isclose(
        loadtest.rate_row(rate=2, latencies_ms=[10, 20, 30], calls=4, errors=1, elapsed_s=2, seed=0, index=0)[
            "error_rate"
        ],
        0.25,
    )


def test_a_load_test_started_from_the_page_shows_its_rates_knee_and_chart(live, client, settings):
    poc, people, dataset, endpoint, server = live
    server.delay_for_rate = lambda recent: 0.005 if recent <= 6 else 0.2
    services.targets_update(
        poc=poc, user=people["lead"], changes={"latency_percentile": "p95", "latency_max_ms": 100}, version=1
    )
    client.force_login(people["lead"])
    index = client.get(f"/pocs/{poc.pk}/evaluations/").content.decode()
    assert 'id="load-form"' in index and "1, 5, 20" in index
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/pocs/{poc.pk}/evaluations/load-tests/",
            {"endpoint": endpoint.pk, "dataset": dataset.pk, "rates": "3, 12", "duration_s": "1.5"},
        )
    test = LoadTest.objects.get(poc=poc)
    assert response.status_code == 302 and response["Location"].endswith(f"/load-tests/{test.pk}/")
    body = client.get(response["Location"]).content.decode()
    assert "stops holding at <strong>12 requests per second</strong>" in body
    assert 'id="load-rates"' in body and "<svg" in body and "Latency p95 by request rate" in body
    refused = client.post(
        f"/pocs/{poc.pk}/evaluations/load-tests/",
        {"endpoint": endpoint.pk, "dataset": dataset.pk, "rates": "3, x", "duration_s": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert refused.status_code == 400 and "Enter a number" in refused.content.decode()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "portal.example.com"]  # the evidence link's host
    answer_url = f"/pocs/{poc.pk}/evaluations/load-tests/{test.pk}/answer/"
    answered = client.post(answer_url, HTTP_HX_REQUEST="true", SERVER_NAME="portal.example.com")
    assert answered.status_code == 200 and "Answered" in answered.content.decode(), answered.content
    from apps.checklists import selectors as kickoff

    latency = next(v for v in kickoff.validations(poc) if v.kind == "latency")
    assert latency.answer.startswith("p95 latency of E by request rate") and "3/s: " in latency.answer
    assert "stops holding at 12 requests per second" in latency.answer
    assert latency.evidence_url.endswith(f"/load-tests/{test.pk}/")
    client.force_login(people["viewer"])
    assert client.post(answer_url).status_code == 403
    assert 'id="load-form"' not in client.get(f"/pocs/{poc.pk}/evaluations/").content.decode()
    assert "12 requests per second" in client.get(response["Location"]).content.decode()


def test_the_index_reads_its_load_tests_in_the_same_queries_for_one_or_many(live, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    poc, people, dataset, endpoint, _ = live
    client.force_login(people["lead"])
    url = f"/pocs/{poc.pk}/evaluations/"

    def queries() -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    with TestCase.captureOnCommitCallbacks(execute=False):  # queued: each has a job the list reads
        services.load_test_create(poc=poc, user=people["lead"], endpoint=endpoint, dataset=dataset, rates=[1])
    one = queries()
    with TestCase.captureOnCommitCallbacks(execute=False):
        for _ in range(5):
            services.load_test_create(poc=poc, user=people["lead"], endpoint=endpoint, dataset=dataset, rates=[1])
    assert queries() == one


@pytest.mark.django_db(transaction=True)  # the cancel is written by another connection, as a request would
def test_a_load_test_is_cancelled_within_a_second_and_keeps_the_rates_measured(live, api_for):
    """Cancel while the first rate runs: no later rate starts, the measured calls are kept, status cancelled."""
    import threading
    import time

    poc, people, dataset, endpoint, server = live
    api = api_for(people["lead"])
    test = LoadTest.objects.create(
        poc=poc, endpoint=endpoint, dataset=dataset, rates=[5, 10], duration_s=4, created_by=people["lead"]
    )

    def cancel_soon():
        from django.db import connection

        time.sleep(1.0)
        LoadTest.objects.filter(pk=test.pk).update(cancel_requested=True)
        connection.close()

    canceller = threading.Thread(target=cancel_soon)
    canceller.start()
    started = time.monotonic()
    services.load_test_execute(load_test_id=test.pk)
    canceller.join()
    assert time.monotonic() - started < 2.5  # the first rate alone would take 4 s
    body = api.get(f"/api/v1/pocs/{poc.pk}/load-tests/{test.pk}/").json()
    assert body["status"] == "cancelled"
    assert [row["rate"] for row in body["rates"]] == [5]
    assert server.requests == body["rates"][0]["n"] < 20
    assert any("Cancelled" in note for note in body["notes"])


def test_a_queued_load_test_cancelled_through_the_api_ends_at_once(live, api_for):
    poc, people, dataset, endpoint, server = live
    test = LoadTest.objects.create(poc=poc, endpoint=endpoint, dataset=dataset, rates=[1], duration_s=1)
    api = api_for(people["contributor"])
    response = api.post(f"/api/v1/pocs/{poc.pk}/load-tests/{test.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    services.load_test_execute(load_test_id=test.pk)  # a worker taking the job late calls nothing
    assert server.requests == 0
    again = api.post(f"/api/v1/pocs/{poc.pk}/load-tests/{test.pk}/cancel/")
    assert again.status_code == 400 and "already ended" in again.json()["detail"]
    assert api_for(people["viewer"]).post(f"/api/v1/pocs/{poc.pk}/load-tests/{test.pk}/cancel/").status_code == 403


def test_the_cost_models_volumes_are_suggested_as_peak_rates(live, client_for):
    """volume ÷ (30 × 86,400) × the peak factor, at each of the cost model's scales (1×, 5×, 20×)."""
    from apps.costs.models import CostModel

    poc, people, *_ = live
    CostModel.objects.create(poc=poc, volume_per_month=2_592_000)  # 1 a second on average
    client = client_for(people["lead"])
    page = client.get(f"/pocs/{poc.pk}/evaluations/").content.decode()
    assert "3 per second" in page and "15 per second" in page and "60 per second" in page  # factor 3 by default
    answer = client.get(f"/pocs/{poc.pk}/evaluations/load-tests/suggest/?peak_factor=2", HTTP_HX_REQUEST="true")
    assert answer.status_code == 200
    text = answer.content.decode()
    assert 'value="2, 10, 40"' in text and "40 per second" in text
    refused = client.get(f"/pocs/{poc.pk}/evaluations/load-tests/suggest/?peak_factor=0", HTTP_HX_REQUEST="true")
    assert refused.status_code == 400 and "peak_factor" in refused.content.decode()


def test_the_load_test_page_offers_cancel_while_it_runs(live, client_for):
    poc, people, dataset, endpoint, _ = live
    test = LoadTest.objects.create(poc=poc, endpoint=endpoint, dataset=dataset, rates=[1], duration_s=1)
    client = client_for(people["lead"])
    page = client.get(f"/pocs/{poc.pk}/evaluations/load-tests/{test.pk}/").content.decode()
    assert "Cancel the load test" in page
    answer = client.post(f"/pocs/{poc.pk}/evaluations/load-tests/{test.pk}/cancel/", follow=True)
    text = answer.content.decode()
    assert "Cancelling load test" in text and "Cancel the load test" not in text and "cancelled" in text
