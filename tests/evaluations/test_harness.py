"""Live runs: dataset items, model endpoints and harness runs against a real HTTP server on loopback.

The server (``model_server.ModelServer``) stands in for the model: it answers as each item's input
says (latency, errors, timeouts, slow and oversized replies) and counts what it receives, so
concurrency and rate limits are checked where they matter, at the server.
"""

from __future__ import annotations

import json
import logging
import threading
import time

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection as db_connection
from django.test import TestCase

from apps.audit.models import AuditEvent
from apps.core.errors import ValidationFailed
from apps.core.models import Job
from apps.evaluations import compute, endpoints, selectors, services
from apps.evaluations.models import EvalRun, ModelEndpoint
from tests.evaluations.model_server import ModelServer

SECRET = "Bearer sk-live-4f9c2e7a1b"
TEMPLATE = {"text": "{{input}}", "id": "item"}


@pytest.fixture(autouse=True)
def _key(settings):
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = []


@pytest.fixture
def server(settings):
    with ModelServer() as model:
        settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [model.host]
        yield model


@pytest.fixture
def setup(team, private_media):
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "production",
                                                                          "is_standard": True})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt", "release": "1"})
    return poc, people, dataset, model


def items_file(rows: list[tuple[str, str, str, str]]) -> SimpleUploadedFile:
    lines = [json.dumps({"id": i, "input": text, "label": label, "segment": segment})
             for i, text, label, segment in rows]
    return SimpleUploadedFile("items.jsonl", ("\n".join(lines) + "\n").encode())


def give_items(dataset, user, rows) -> None:
    services.dataset_items_replace(dataset=dataset, user=user, upload=items_file(rows))


def endpoint_for(poc, user, model_version, server, **extra) -> ModelEndpoint:
    data = {"name": extra.pop("name", "Model"), "model_version": model_version.pk, "kind": "http_json",
            "url": server.url(), "request_template": TEMPLATE, "response_path": "prediction", "timeout_s": 2, **extra}
    return services.model_endpoint_create(poc=poc, user=user, data=data)


def live_run(poc, user, dataset, endpoint, **options) -> EvalRun:
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.harness_run_create(poc=poc, user=user, dataset=dataset, endpoint=endpoint, resamples=500,
                                          **options)
    run.refresh_from_db()
    return run


# --- Items ------------------------------------------------------------------------------------------------


def test_items_upload_through_the_api_paginated_and_refused_like_results_files(setup, api_for):
    poc, people, dataset, _ = setup
    api = api_for(people["contributor"])
    url = f"/api/v1/pocs/{poc.pk}/datasets/{dataset.pk}/items/"
    csv_rows = "id,input,label,segment\n" + "".join(f"{i},question {i},{'ab'[i % 2]},s{i % 3}\n" for i in range(120))
    response = api.post(url, {"file": SimpleUploadedFile("items.csv", csv_rows.encode())}, format="multipart")
    assert response.status_code == 200, response.content
    assert response.json() == {"count": 120}
    page = api.get(url).json()
    assert page["count"] == 120 and len(page["results"]) == 50 and page["next"]
    assert page["results"][0] == {"id": "0", "input": "question 0", "label": "a", "segment": "s0"}
    assert api.get(url + "?page=3").json()["results"][-1]["id"] == "119"
    assert api.get(f"/api/v1/pocs/{poc.pk}/datasets/{dataset.pk}/").json()["items_count"] == 120

    duplicate = "id,input,label\n1,x,a\n2,y,b\n1,z,a\n"
    refused = api.post(url, {"file": SimpleUploadedFile("items.csv", duplicate.encode())}, format="multipart")
    assert refused.status_code == 400 and "duplicates on row 3" in refused.json()["detail"]
    missing = api.post(url, {"file": SimpleUploadedFile("items.csv", b"id,label\n1,a\n")}, format="multipart")
    assert missing.status_code == 400 and "Missing required column: input" in missing.json()["detail"]
    empty = api.post(url, {"file": SimpleUploadedFile("items.csv", b"id,input,label\n1,,a\n")}, format="multipart")
    assert empty.status_code == 400 and "Column input is empty on row 1" in empty.json()["detail"]
    latin1 = api.post(url, {"file": SimpleUploadedFile("items.csv", "id,input,label\n1,caf\xe9,a\n".encode("latin-1"))},
                      format="multipart")
    assert latin1.status_code == 400 and "not UTF-8" in latin1.json()["detail"]
    assert api.get(url).json()["count"] == 120  # a refused file leaves the items as they were
    viewer = api_for(people["viewer"]).post(url, {"file": SimpleUploadedFile("items.csv", csv_rows.encode())},
                                            format="multipart")
    assert viewer.status_code == 403


# --- Metrics: the same path as an uploaded file -----------------------------------------------------------------


def test_a_live_run_computes_the_same_metrics_as_its_predictions_uploaded_as_a_file(setup, server, api_for):
    poc, people, dataset, model = setup
    rows, uploaded = [], ["id,label,prediction,segment"]
    for i in range(90):
        label = "abc"[i % 3]
        answer = label if i % 4 else "abc"[(i + 1) % 3]
        sent = answer.upper() if i % 5 == 0 else answer  # casefold matching: "A" counts as "a"
        rows.append((f"q{i}", f"answer={sent}", label, "fr" if i % 2 else "de"))
        uploaded.append(f"q{i},{label},{answer},{'fr' if i % 2 else 'de'}")
    give_items(dataset, people["lead"], rows)
    endpoint = endpoint_for(poc, people["lead"], model, server)
    api = api_for(people["lead"])
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = api.post(f"/api/v1/pocs/{poc.pk}/harness-runs/",
                            {"dataset": dataset.pk, "endpoint": endpoint.pk, "concurrency": 4, "resamples": 500},
                            format="json")
    assert response.status_code == 202, response.content
    assert set(response.json()) >= {"id", "status"}
    body = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{response.json()['id']}/").json()
    assert body["status"] == "done", body["error"]
    assert body["source"] == "harness" and body["n"] == 90
    assert body["errors"]["total"] == 0 and body["max_in_flight"] <= 4
    assert body["throughput"]["per_s"] > 0 and body["throughput"]["n"] == 90
    assert body["latency"]["p50"]["value"] > 0

    expected = compute.evaluate("\n".join(uploaded).encode(), filename="r.csv", resamples=500, seed=0)
    for key in ("metrics", "per_class", "confusion_matrix", "segments"):
        assert body[key] == expected[key], key
    assert body["metrics"]["accuracy"]["value"] == pytest.approx(67 / 90)

    run = EvalRun.objects.get(pk=body["id"])
    calls = [json.loads(line) for line in run.calls_file.read().splitlines()]
    assert len(calls) == 90 and all(c["error"] is None and c["latency_ms"] > 0 for c in calls)
    with TestCase.captureOnCommitCallbacks(execute=True):  # a recompute from the kept file keeps the measurements
        api.post(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/recompute/", {"seed": 3}, format="json")
    again = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/").json()
    assert again["seed"] == 3 and again["metrics"]["accuracy"]["value"] == body["metrics"]["accuracy"]["value"]
    assert again["throughput"] == body["throughput"] and again["errors"] == body["errors"]


def test_exact_matching_counts_a_different_case_as_wrong(setup, server):
    poc, people, dataset, model = setup
    give_items(dataset, people["lead"], [("1", "answer=A", "a", ""), ("2", "answer=b", "b", "")])
    endpoint = endpoint_for(poc, people["lead"], model, server, match="exact", kind="openai_chat", model="m",
                            request_template=None, response_path="")
    run = live_run(poc, people["lead"], dataset, endpoint)
    assert run.status == "done", run.error
    assert run.results["metrics"]["accuracy"]["value"] == 0.5


# --- Errors, limits ---------------------------------------------------------------------------------------------


def test_errors_are_recorded_by_kind_and_left_out_of_the_metrics(setup, server, settings):
    settings.HARNESS_MAX_REPLY_BYTES = 10_000
    poc, people, dataset, model = setup
    rows = [(f"ok{i}", "answer=a", "a", "") for i in range(6)]
    rows += [("s500", "status=500", "a", ""), ("s429", "status=429", "a", ""), ("slow", "sleep=3;answer=a", "a", ""),
             ("trickle", "trickle", "a", ""), ("big", "big", "a", ""), ("junk", "garbage", "a", ""),
             ("redir", "redirect", "a", "")]
    server.redirect_to = "http://169.254.169.254/latest/meta-data/"
    give_items(dataset, people["lead"], rows)
    endpoint = endpoint_for(poc, people["lead"], model, server, timeout_s=1)
    started = time.monotonic()
    run = live_run(poc, people["lead"], dataset, endpoint, concurrency=8)
    assert time.monotonic() - started < 10
    assert run.status == "done", run.error
    errors = run.results["errors"]
    assert {k: v["count"] for k, v in errors["by_kind"].items()} == {
        "http_status": 2, "timeout": 2, "too_large": 1, "unparsable": 1, "redirect": 1}
    assert errors["by_status"] == {"302": 1, "429": 1, "500": 1}
    assert errors["total"] == 7 and errors["rate"] == pytest.approx(7 / 13)
    assert run.n == 6 and run.results["metrics"]["accuracy"]["value"] == 1.0
    assert any("7 calls failed" in w for w in run.warnings)
    calls = {c["id"]: c for c in map(json.loads, run.calls_file.read().splitlines())}
    assert calls["slow"]["error"] == "timeout" and calls["s500"]["status"] == 500
    assert calls["big"]["error"] == "too_large" and calls["ok0"]["prediction"] == "a"


def test_concurrency_is_the_lower_of_the_runs_and_the_endpoints_counted_at_the_server(setup, server):
    poc, people, dataset, model = setup
    give_items(dataset, people["lead"], [(str(i), "sleep=0.05;answer=a", "a", "") for i in range(40)])
    endpoint = endpoint_for(poc, people["lead"], model, server, max_concurrency=3)
    run = live_run(poc, people["lead"], dataset, endpoint, concurrency=10)
    assert run.status == "done", run.error
    assert run.concurrency == 3
    assert server.requests == 40
    assert server.max_in_flight == 3  # reached, never passed
    assert run.results["max_in_flight"] == 3
    limited = live_run(poc, people["lead"], dataset, endpoint, concurrency=2, limit=10)
    assert limited.concurrency == 2 and limited.n == 10 and limited.results["max_in_flight"] <= 2


def test_the_rate_limit_holds_at_the_server(setup, server):
    poc, people, dataset, model = setup
    give_items(dataset, people["lead"], [(str(i), "answer=a", "a", "") for i in range(25)])
    endpoint = endpoint_for(poc, people["lead"], model, server, max_concurrency=8, max_rate_per_s=20)
    run = live_run(poc, people["lead"], dataset, endpoint)
    assert run.status == "done", run.error
    arrivals = sorted(server.arrivals)
    assert len(arrivals) == 25
    assert arrivals[-1] - arrivals[0] >= 24 / 20 * 0.9  # 25 requests at 20 per second take 1.2 s
    for i, first in enumerate(arrivals):  # no second holds more than 20 (+1 for timer granularity)
        assert sum(1 for t in arrivals[i:] if t - first < 1.0) <= 21


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_new_requests_within_a_second(team, private_media, server, api_for):
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "curated"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt"})
    give_items(dataset, people["lead"], [(str(i), "sleep=0.05;answer=a", "a", "") for i in range(400)])
    endpoint = endpoint_for(poc, people["lead"], model, server, max_concurrency=2)
    cancelled_at = []

    def cancel_soon():
        try:
            while server.requests < 10:
                time.sleep(0.01)
            run = EvalRun.objects.get(source="harness")
            response = api_for(people["lead"]).post(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/cancel/")
            assert response.status_code == 200, response.content
            cancelled_at.append(time.monotonic())
        finally:
            db_connection.close()

    thread = threading.Thread(target=cancel_soon)
    thread.start()
    run = services.harness_run_create(poc=poc, user=people["lead"], dataset=dataset, endpoint=endpoint,
                                      resamples=200)  # the job runs in place on commit, while the thread cancels
    thread.join(10)
    run.refresh_from_db()
    assert cancelled_at, "the cancel request did not go through"
    late = [t for t in server.arrivals if t > cancelled_at[0] + 1.0]
    assert not late, f"{len(late)} requests started more than a second after the cancel"
    assert run.status == "cancelled" and run.cancel_requested
    assert 10 <= run.results["throughput"]["n"] < 400 and run.n == run.results["throughput"]["answered"]
    assert any("cancelled" in w for w in run.warnings)
    body = api_for(people["lead"]).get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/").json()
    assert body["status"] == "cancelled" and body["metrics"]["accuracy"]["value"] == 1.0
    again = api_for(people["lead"]).post(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/cancel/")
    assert again.status_code == 400 and "already ended" in again.json()["detail"]


# --- Secrets ----------------------------------------------------------------------------------------------------


def test_headers_are_sent_but_never_leave_api_audit_logs_or_errors(setup, server, api_for, caplog):
    caplog.set_level(logging.DEBUG)
    poc, people, dataset, model = setup
    give_items(dataset, people["lead"], [("1", "answer=a", "a", ""), ("2", "status=500", "a", "")])
    api = api_for(people["lead"])
    created = api.post(f"/api/v1/pocs/{poc.pk}/model-endpoints/", {
        "name": "Prod", "model_version": model.pk, "kind": "http_json", "url": server.url(),
        "request_template": TEMPLATE, "response_path": "prediction", "headers": {"Authorization": SECRET},
    }, format="json")
    assert created.status_code == 201, created.content
    endpoint_id = created.json()["id"]
    with TestCase.captureOnCommitCallbacks(execute=True):
        started = api.post(f"/api/v1/pocs/{poc.pk}/harness-runs/", {"dataset": dataset.pk, "endpoint": endpoint_id},
                           format="json")
    assert server.headers[0]["Authorization"] == SECRET  # the model received it
    patched = api.patch(f"/api/v1/pocs/{poc.pk}/model-endpoints/{endpoint_id}/",
                        {"headers": {"Authorization": SECRET + "-2", "X-Team": "ops"}}, format="json")
    assert patched.status_code == 200, patched.content
    # A run that fails after decrypting (its host removed from the list) says why, without the headers.
    endpoints.allowed_entries  # noqa: B018 - the list is read again at call time
    row = ModelEndpoint.objects.get(pk=endpoint_id)
    assert SECRET not in row.headers_encrypted and row.headers_encrypted
    assert endpoints.decrypt_headers(row.headers_encrypted) == {"Authorization": SECRET + "-2", "X-Team": "ops"}

    answers = [
        created.content, started.content, patched.content,
        api.get(f"/api/v1/pocs/{poc.pk}/model-endpoints/").content,
        api.get(f"/api/v1/pocs/{poc.pk}/model-endpoints/{endpoint_id}/").content,
        api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/").content,
        api.get(f"/api/v1/pocs/{poc.pk}/activity/").content,
    ]
    assert json.loads(answers[-3])["header_names"] == "Authorization, X-Team"
    for answer in answers:
        assert b"sk-live" not in answer
        assert row.headers_encrypted.encode() not in answer
    trail = [json.dumps([e.old_data, e.new_data], default=str) for e in
             AuditEvent.objects.filter(table_name="evaluations_modelendpoint")]
    assert len(trail) == 2  # created, then the headers changed
    assert all("sk-live" not in t and "headers_encrypted" not in t for t in trail)
    assert "headers_changed_at" in trail[1] and "X-Team" in trail[1]  # the trail says they changed, and which
    everything = json.dumps([[e.old_data, e.new_data] for e in AuditEvent.objects.all()], default=str)
    assert "sk-live" not in everything
    assert "sk-live" not in caplog.text
    assert all("sk-live" not in (job.error + json.dumps(job.result) + job.message) for job in Job.objects.all())


def test_a_missing_encryption_key_refuses_headers_and_the_deploy_check_says_so(setup, settings, server):
    from apps.evaluations.checks import field_encryption_key_configured

    poc, people, _, model = setup
    settings.FIELD_ENCRYPTION_KEY = ""
    settings.DEBUG = False
    assert [e.id for e in field_encryption_key_configured(None)] == ["evaluations.E001"]
    with pytest.raises(ValidationFailed, match="FIELD_ENCRYPTION_KEY is not set"):
        endpoint_for(poc, people["lead"], model, server, headers={"Authorization": SECRET})
    assert not ModelEndpoint.objects.exists()
    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    assert field_encryption_key_configured(None) == []


# --- SSRF ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/v1", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/predict",
    "http://192.168.1.10/predict", "http://[::1]/predict", "http://model.example.com/predict",
])
def test_an_unlisted_host_is_refused_at_save_naming_it(setup, api_for, url, settings):
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = ["other.example.com"]
    poc, people, _, model = setup
    response = api_for(people["lead"]).post(f"/api/v1/pocs/{poc.pk}/model-endpoints/", {
        "name": "x", "model_version": model.pk, "kind": "openai_chat", "url": url, "model": "m"}, format="json")
    assert response.status_code == 400
    host = url.split("/")[2]
    assert f"The host {host} is not in MODEL_ENDPOINT_ALLOWED_HOSTS" in response.json()["url"][0]
    assert not ModelEndpoint.objects.exists()


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "172.16.0.9", "192.168.0.1", "::1",
                                     "fd00::1", "::ffff:127.0.0.1", "0.0.0.0"])
def test_a_listed_name_resolving_to_an_internal_address_is_refused_unless_that_address_is_listed(
    settings, monkeypatch, address
):
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = ["model.example.com"]
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: [address])
    with pytest.raises(endpoints.EndpointRefused, match="not in MODEL_ENDPOINT_ALLOWED_HOSTS; the call is refused"):
        endpoints.checked_destination("https://model.example.com/v1")
    listed = str(endpoints._address(address))
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = ["model.example.com", listed if ":" not in listed else f"[{listed}]"]
    assert endpoints.checked_destination("https://model.example.com/v1").addresses == [listed]


def test_a_public_address_needs_only_the_name_listed_and_a_port_must_match(settings, monkeypatch):
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = ["model.example.com:8443", "api.example.com"]
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: ["93.184.216.34"])
    assert endpoints.checked_destination("https://model.example.com:8443/v1").addresses == ["93.184.216.34"]
    with pytest.raises(endpoints.EndpointRefused, match="model.example.com:9000 is not in"):
        endpoints.checked_destination("https://model.example.com:9000/v1")
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: ["93.184.216.34", "10.0.0.1"])
    with pytest.raises(endpoints.EndpointRefused, match="resolves to 10.0.0.1, a private address"):
        endpoints.checked_destination("https://api.example.com/")


def test_a_run_whose_name_resolves_to_an_internal_address_fails_before_any_call(setup, server, settings, monkeypatch):
    poc, people, dataset, model = setup
    give_items(dataset, people["lead"], [("1", "answer=a", "a", "")])
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [f"model.example.com:{server.port}"]
    endpoint = endpoint_for(poc, people["lead"], model, server, url=f"http://model.example.com:{server.port}/p",
                            headers={"Authorization": SECRET})
    monkeypatch.setattr(endpoints, "resolve", lambda host, port: ["127.0.0.1"])
    run = live_run(poc, people["lead"], dataset, endpoint)
    body = selectors.run_detail(run)
    assert body["status"] == "failed"
    assert "resolves to 127.0.0.1, a loopback address not in MODEL_ENDPOINT_ALLOWED_HOSTS" in body["error"]
    assert "sk-live" not in body["error"]
    assert server.requests == 0
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = [f"model.example.com:{server.port}", "127.0.0.1"]
    assert live_run(poc, people["lead"], dataset, endpoint).status == "done"
    assert server.requests == 1
    assert server.headers[0]["Host"] == f"model.example.com:{server.port}"  # the name is sent, the address dialled


def test_a_redirect_to_an_unlisted_host_is_not_followed(setup, server):
    poc, people, dataset, model = setup
    with ModelServer() as elsewhere:  # running, reachable, and not listed
        server.redirect_to = elsewhere.url("/steal")
        give_items(dataset, people["lead"], [("1", "redirect", "a", ""), ("2", "answer=a", "a", "")])
        run = live_run(poc, people["lead"], dataset, endpoint_for(poc, people["lead"], model, server))
        assert elsewhere.requests == 0
    assert run.status == "done"
    assert run.results["errors"]["by_kind"] == {"redirect": {"count": 1, "rate": 0.5}}


def test_a_run_refuses_an_endpoint_whose_host_is_no_longer_listed(setup, server, settings, api_for):
    poc, people, dataset, model = setup
    give_items(dataset, people["lead"], [("1", "answer=a", "a", "")])
    endpoint = endpoint_for(poc, people["lead"], model, server)
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = []
    response = api_for(people["lead"]).post(f"/api/v1/pocs/{poc.pk}/harness-runs/",
                                            {"dataset": dataset.pk, "endpoint": endpoint.pk}, format="json")
    assert response.status_code == 400 and f"The host {server.host}" in response.json()["endpoint"][0]
    assert server.requests == 0


def test_endpoint_fields_are_checked_and_editors_only_may_write(setup, server, api_for):
    poc, people, _, model = setup
    url = f"/api/v1/pocs/{poc.pk}/model-endpoints/"
    api = api_for(people["lead"])
    base = {"name": "E", "model_version": model.pk, "kind": "http_json", "url": server.url()}
    no_placeholder = api.post(url, {**base, "request_template": {"text": "hi"}, "response_path": "p"}, format="json")
    assert no_placeholder.status_code == 400 and "request_template" in no_placeholder.json()
    injected = api.post(url, {**base, "request_template": TEMPLATE, "response_path": "p",
                              "headers": {"X-A": "1\r\nHost: evil"}}, format="json")
    assert injected.status_code == 400 and "control characters" in injected.json()["headers"][0]
    ok = api.post(url, {**base, "request_template": TEMPLATE, "response_path": "p"}, format="json")
    assert ok.status_code == 201, ok.content
    assert ok.json()["timeout_s"] == 30 and ok.json()["max_concurrency"] == 4 and ok.json()["match"] == "casefold"
    assert api_for(people["viewer"]).post(url, {**base, "name": "F"}, format="json").status_code == 403
    detail = f"{url}{ok.json()['id']}/"
    assert api.patch(detail, {"timeout_s": 5}, format="json").json()["timeout_s"] == 5
    assert api.delete(detail).status_code == 204
    assert api.get(url).json() == []


def test_an_upload_run_cannot_be_cancelled(setup, api_for):
    poc, people, dataset, model = setup
    from tests.evaluations.builders import classification_rows, computed_run

    run = computed_run(poc, people["lead"], dataset, model, classification_rows(20, 0.8))
    response = api_for(people["lead"]).post(f"/api/v1/pocs/{poc.pk}/eval-runs/{run.pk}/cancel/")
    assert response.status_code == 400 and "Only a live run" in response.json()["detail"]


def test_a_dataset_without_items_is_refused(setup, server):
    poc, people, dataset, model = setup
    endpoint = endpoint_for(poc, people["lead"], model, server)
    with pytest.raises(ValidationFailed, match="no items yet"):
        services.harness_run_create(poc=poc, user=people["lead"], dataset=dataset, endpoint=endpoint)
