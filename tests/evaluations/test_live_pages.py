"""The live-evaluation pages: a dataset's items, model endpoints, starting, following and cancelling a live run.

The model is a real HTTP server on loopback (``model_server.ModelServer``); a run's job runs in place
when the request that queued it commits.
"""

from __future__ import annotations

import json

import pytest
from cryptography.fernet import Fernet
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.evaluations import services
from apps.evaluations.models import Dataset, DatasetItem, EvalRun, ModelEndpoint
from tests.evaluations.model_server import ModelServer

pytestmark = pytest.mark.django_db

SECRET = "Bearer sk-page-9d1e44c0aa"
TEMPLATE = {"text": "{{input}}", "id": "item"}  # the loopback model answers {"prediction"} to this shape
HX = {"HTTP_HX_REQUEST": "true"}


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
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "production"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt", "release": "1"})
    return poc, people, dataset, model


def items_csv(n: int, *, text=lambda i: f"answer={'ab'[i % 2]}") -> SimpleUploadedFile:
    rows = "".join(f"q{i},{text(i)},{'ab'[i % 2]},{'xy'[i % 3 % 2]}\n" for i in range(n))
    return SimpleUploadedFile("items.csv", ("id,input,label,segment\n" + rows).encode())


def endpoint_data(server, model, **extra) -> dict:
    return {
        "endpoint-name": "Loopback",
        "endpoint-model_version": model.pk,
        "endpoint-kind": "http_json",
        "endpoint-url": server.url(),
        "endpoint-request_template": json.dumps(TEMPLATE),
        "endpoint-response_path": "prediction",
        "endpoint-timeout_s": "2",
        "endpoint-max_concurrency": "4",
        "endpoint-match": "casefold",
        **extra,
    }


# --- Items --------------------------------------------------------------------------------------------------


def test_an_editor_imports_items_and_pages_through_them_a_viewer_only_reads(setup, client):
    poc, people, dataset, _ = setup
    page = reverse("evaluations:dataset", args=[poc.pk, dataset.pk])
    client.force_login(people["contributor"])
    response = client.post(
        reverse("evaluations:items-import", args=[poc.pk, dataset.pk]), {"file": items_csv(120)}, **HX
    )
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert "120 items" in body and "items.csv" in body and "Page 1 of 3" in body and ">q0<" in body
    assert "Imported 120 items" in response["HX-Trigger-After-Settle"]
    second = client.get(page + "?page=3").content.decode()
    assert ">q119<" in second and ">q0<" not in second

    refused = client.post(
        reverse("evaluations:items-import", args=[poc.pk, dataset.pk]),
        {"file": SimpleUploadedFile("items.csv", b"id,input,label\n1,x,a\n1,y,b\n")},
        **HX,
    )
    assert refused.status_code == 400 and "duplicates on row 2" in refused.content.decode()
    assert DatasetItem.objects.filter(dataset=dataset).count() == 120  # nothing half-stored

    client.force_login(people["viewer"])
    read = client.get(page).content.decode()
    assert ">q0<" in read and "Import items" not in read and "Add an item" not in read and ">Edit<" not in read


def test_one_item_is_added_edited_and_removed_in_place_and_the_dataset_trail_says_what_changed(setup, client):
    poc, people, dataset, _ = setup
    client.force_login(people["lead"])
    add = reverse("evaluations:item-create", args=[poc.pk, dataset.pk])
    response = client.post(
        add, {"new-item-item_id": "k1", "new-item-input": "Is it spam?", "new-item-label": "no"}, **HX
    )
    assert response.status_code == 200, response.content
    assert ">k1<" in response.content.decode() and "1 item" in response.content.decode()
    duplicate = client.post(add, {"new-item-item_id": "k1", "new-item-input": "again", "new-item-label": "no"}, **HX)
    assert duplicate.status_code == 400 and "already has an item with the id k1" in duplicate.content.decode()
    empty = client.post(add, {"new-item-item_id": "k2", "new-item-input": "", "new-item-label": "no"}, **HX)
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()

    item = DatasetItem.objects.get(dataset=dataset, item_id="k1")
    url = reverse("evaluations:item", args=[poc.pk, dataset.pk, item.pk])
    form = client.get(url, **HX).content.decode()
    assert "data-inline-form" in form and "Is it spam?" in form
    assert "data-inline-edit" in client.get(url + "?cancel=1", **HX).content.decode()
    saved = client.post(
        url, {"item_id": "k1", "input": "Is it spam?", "label": "yes", "segment": "", "version": 1}, **HX
    )
    assert saved.status_code == 200 and ">yes<" in saved.content.decode()
    assert "Saved the item" in saved["HX-Trigger-After-Settle"]
    stale = client.post(url, {"item_id": "k1", "input": "Mine", "label": "maybe", "segment": "", "version": 1}, **HX)
    assert stale.status_code == 409 and "Mine" in stale.content.decode() and "yes" in stale.content.decode()

    dataset.refresh_from_db()
    assert dataset.items_count == 1 and "label “no” → “yes”" in dataset.items_change
    changes = [e.new_data for e in AuditEvent.objects.filter(table_name="evaluations_dataset", row_pk=str(dataset.pk))]
    assert any("label “no” → “yes”" in json.dumps(c, ensure_ascii=False) for c in changes)

    removed = client.post(reverse("evaluations:item-delete", args=[poc.pk, dataset.pk, item.pk]), **HX)
    assert removed.status_code == 200 and not DatasetItem.objects.filter(pk=item.pk).exists()
    dataset.refresh_from_db()
    assert dataset.items_count == 0 and dataset.items_change.startswith("Removed item k1")


# --- Endpoints ------------------------------------------------------------------------------------------------


def test_an_endpoint_is_registered_edited_and_removed_and_its_headers_never_come_back(setup, server, client):
    poc, people, _, model = setup
    client.force_login(people["lead"])
    response = client.post(
        reverse("evaluations:endpoint-create", args=[poc.pk]),
        endpoint_data(server, model, **{"endpoint-headers": json.dumps({"Authorization": SECRET})}),
        **HX,
    )
    assert response.status_code == 200, response.content
    body = response.content.decode()
    assert "Loopback" in body and "Authorization" in body and SECRET not in body and "sk-page" not in body
    endpoint = ModelEndpoint.objects.get(poc=poc)
    index = client.get(reverse("evaluations:index", args=[poc.pk])).content.decode()
    assert f'id="endpoint-{endpoint.pk}"' in index and "sk-page" not in index

    url = reverse("evaluations:endpoint", args=[poc.pk, endpoint.pk])
    form = client.get(url, **HX).content.decode()
    assert "data-inline-form" in form and "sk-page" not in form and "values hidden" in form
    prefix = f"endpoint-{endpoint.pk}"
    fields = {k.removeprefix("endpoint-"): v for k, v in endpoint_data(server, model).items()}
    saved = client.post(url, {**fields, "timeout_s": "5", "version": 1}, **HX)  # no headers typed: they stay
    assert saved.status_code == 200, saved.content
    endpoint.refresh_from_db()
    assert endpoint.timeout_s == 5 and endpoint.header_names == "Authorization" and endpoint.headers_encrypted
    assert f'id="{prefix}"' in saved.content.decode()

    refused = client.post(url, {**fields, "url": "http://169.254.169.254/latest/", "version": 2}, **HX)
    assert refused.status_code == 400 and "169.254.169.254" in refused.content.decode()
    bad_json = client.post(url, {**fields, "headers": "{not json", "version": 2}, **HX)
    assert bad_json.status_code == 400 and "Enter a valid JSON" in bad_json.content.decode()
    stale = client.post(url, {**fields, "headers": json.dumps({"X-Key": "typed-secret"}), "version": 1}, **HX)
    assert stale.status_code == 409 and "typed-secret" not in stale.content.decode()

    client.force_login(people["viewer"])
    read = client.get(url).content.decode()
    assert "data-inline-form" not in read and "Loopback" in read and "sk-page" not in read
    assert client.post(reverse("evaluations:endpoint-delete", args=[poc.pk, endpoint.pk])).status_code == 403
    client.force_login(people["lead"])
    gone = client.post(reverse("evaluations:endpoint-delete", args=[poc.pk, endpoint.pk]), **HX)
    assert gone.status_code == 200 and not ModelEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_an_unlisted_host_is_refused_on_the_page_naming_it(setup, client, settings):
    poc, people, _, model = setup
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = ["model.example.com"]
    client.force_login(people["lead"])
    data = {
        "endpoint-name": "Internal",
        "endpoint-model_version": model.pk,
        "endpoint-kind": "openai_chat",
        "endpoint-url": "http://10.0.0.5:8000/v1/chat/completions",
        "endpoint-model": "m",
        "endpoint-timeout_s": "30",
        "endpoint-max_concurrency": "4",
        "endpoint-match": "casefold",
    }
    response = client.post(reverse("evaluations:endpoint-create", args=[poc.pk]), data)  # no JavaScript
    assert response.status_code == 400
    body = response.content.decode()
    assert "10.0.0.5" in body and 'id="endpoint-form"' in body and not ModelEndpoint.objects.exists()


# --- Live runs ------------------------------------------------------------------------------------------------


def test_a_live_run_started_from_the_page_shows_its_calls_errors_and_warnings(setup, server, client):
    poc, people, dataset, model = setup
    services.dataset_items_replace(
        dataset=dataset,
        user=people["lead"],
        upload=items_csv(
            12, text=lambda i: "status=500" if i == 3 else ("garbage" if i == 7 else f"answer={'AB'[i % 2]}")
        ),
    )
    client.force_login(people["lead"])
    client.post(reverse("evaluations:endpoint-create", args=[poc.pk]), endpoint_data(server, model))
    endpoint = ModelEndpoint.objects.get(poc=poc)
    index = client.get(reverse("evaluations:index", args=[poc.pk])).content.decode()
    assert 'id="live-form"' in index and "Sample (12 items)" in index
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            reverse("evaluations:live-run-create", args=[poc.pk]),
            {"endpoint": endpoint.pk, "dataset": dataset.pk, "concurrency": "2", "resamples": "200", "seed": "0"},
        )
    run = EvalRun.objects.get(poc=poc, source="harness")
    assert response.status_code == 302 and response["Location"] == reverse("evaluations:run", args=[poc.pk, run.pk])
    run.refresh_from_db()
    assert run.status == "done", run.error
    body = client.get(response["Location"]).content.decode()
    assert "Live run against" in body and "Loopback" in body and "up to 2 in flight" in body
    assert 'id="calls-table"' in body and "http_status (HTTP 500)" in body and "unparsable" in body
    assert "2 calls failed" in body  # the warning
    assert "12 calls, 10 answered, 2 failed" in body and "at most" in body and 'hx-trigger="every 1s"' not in body
    assert body.index("http_status") < body.index(">q0<")  # failures first
    download = client.get(reverse("evaluations:run-file", args=[poc.pk, run.pk]) + "?calls=1")
    lines = [json.loads(line) for line in b"".join(download.streaming_content).splitlines()]
    assert download["Content-Disposition"].startswith("attachment") and len(lines) == 12


def test_a_refused_start_names_the_field(setup, server, client):
    poc, people, dataset, model = setup
    client.force_login(people["lead"])
    client.post(reverse("evaluations:endpoint-create", args=[poc.pk]), endpoint_data(server, model))
    endpoint = ModelEndpoint.objects.get(poc=poc)
    response = client.post(
        reverse("evaluations:live-run-create", args=[poc.pk]),
        {"endpoint": endpoint.pk, "dataset": dataset.pk, "resamples": "200", "seed": "0"},
        **HX,
    )
    assert response.status_code == 400  # the dataset has no items: not offered
    assert "Select a valid choice" in response.content.decode()
    Dataset.objects.filter(pk=dataset.pk).update(items_count=5)  # offered, but the service refuses over limits
    too_many = client.post(
        reverse("evaluations:live-run-create", args=[poc.pk]),
        {"endpoint": endpoint.pk, "dataset": dataset.pk, "concurrency": "9999", "resamples": "200", "seed": "0"},
        **HX,
    )
    assert too_many.status_code == 400 and "Enter a number from 1 to" in too_many.content.decode()
    assert not EvalRun.objects.filter(poc=poc).exists()


def test_cancelling_a_run_that_never_started_ends_it_cancelled_and_nothing_is_called(setup, server, client):
    poc, people, dataset, model = setup
    services.dataset_items_replace(dataset=dataset, user=people["lead"], upload=items_csv(5))
    endpoint = services.model_endpoint_create(
        poc=poc,
        user=people["lead"],
        data={
            "name": "E",
            "model_version": model.pk,
            "kind": "http_json",
            "url": server.url(),
            "request_template": TEMPLATE,
            "response_path": "prediction",
        },
    )
    run = services.harness_run_create(poc=poc, user=people["lead"], dataset=dataset, endpoint=endpoint)  # queued
    client.force_login(people["lead"])
    page = client.get(reverse("evaluations:run", args=[poc.pk, run.pk])).content.decode()
    assert 'id="cancel-form"' in page and "queued" in page
    response = client.post(reverse("evaluations:run-cancel", args=[poc.pk, run.pk]), **HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "run-cancelled" in body and 'id="cancel-form"' not in body and 'hx-trigger="every 1s"' not in body
    run.refresh_from_db()
    assert run.status == "cancelled" and run.cancel_requested
    services.harness_run_execute(run_id=run.pk)  # a worker taking the job late calls nothing
    assert server.requests == 0
    run.refresh_from_db()
    assert run.status == "cancelled"
    again = client.post(reverse("evaluations:run-cancel", args=[poc.pk, run.pk]), **HX)
    assert again.status_code == 400 and "already ended" in again.content.decode()
    viewer = client
    viewer.force_login(people["viewer"])
    assert viewer.post(reverse("evaluations:run-cancel", args=[poc.pk, run.pk])).status_code == 403


def test_a_recompute_of_a_live_run_keeps_its_warnings(setup, server):
    poc, people, dataset, model = setup
    services.dataset_items_replace(
        dataset=dataset, user=people["lead"], upload=items_csv(10, text=lambda i: "status=500" if i < 2 else "answer=a")
    )
    endpoint = services.model_endpoint_create(
        poc=poc,
        user=people["lead"],
        data={
            "name": "E",
            "model_version": model.pk,
            "kind": "http_json",
            "url": server.url(),
            "request_template": TEMPLATE,
            "response_path": "prediction",
        },
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.harness_run_create(
            poc=poc, user=people["lead"], dataset=dataset, endpoint=endpoint, resamples=200
        )
    run.refresh_from_db()
    assert run.status == "done", run.error
    before = list(run.warnings)
    assert any("2 calls failed" in w for w in before)
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.eval_run_recompute(run=run, user=people["lead"], seed=5)
    run.refresh_from_db()
    assert run.status == "done" and run.seed == 5
    assert run.warnings == before
    assert run.results["errors"]["total"] == 2 and server.requests == 10  # measured once, not called again


def test_without_javascript_a_refused_item_shows_the_whole_page_with_the_message(setup, client):
    poc, people, dataset, _ = setup
    client.force_login(people["lead"])
    response = client.post(
        reverse("evaluations:item-create", args=[poc.pk, dataset.pk]),
        {"new-item-item_id": "k1", "new-item-input": "", "new-item-label": "a"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" in body and "Dataset: Sample" in body and "This field is required" in body
    imported = client.post(reverse("evaluations:items-import", args=[poc.pk, dataset.pk]), {"file": items_csv(3)})
    assert imported.status_code == 302 and imported["Location"].endswith("#items")
