"""The evaluations API: datasets, model versions, runs (upload → job → results), recompute, rights."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from apps.audit.models import AuditEvent
from apps.evaluations import selectors, services
from apps.evaluations.models import EvalRun

pytestmark = pytest.mark.django_db

ROWS = "id,label,prediction,segment,latency_ms\n" + "".join(
    f"{i},{'abc'[i % 3]},{'abc'[i % 3] if i % 5 else 'abc'[(i + 1) % 3]},{'fr' if i % 2 else 'de'},{10 + i % 17}\n"
    for i in range(200)
)


@pytest.fixture
def setup(team, private_media):
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Prod sample", "kind": "production",
                                                                          "is_standard": True})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "gpt", "release": "2025-01"})
    return poc, people, dataset, model


def jobs_run():
    """Run the jobs queued on commit (the test's transaction never commits)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _upload(api, poc, dataset, model, content: bytes = ROWS.encode(), name="results.csv", **extra):
    with jobs_run():
        return api.post(
            f"/api/v1/pocs/{poc.pk}/eval-runs/",
            {"dataset": getattr(dataset, "pk", dataset), "model_version": model.pk,
             "file": SimpleUploadedFile(name, content), **extra},
            format="multipart",
        )


def _recompute(api, poc, run_id, body=None):
    with jobs_run():
        return api.post(f"/api/v1/pocs/{poc.pk}/eval-runs/{run_id}/recompute/", body or {}, format="json")


def test_datasets_create_list_patch_and_one_standard_at_most(setup, api_for):
    poc, people, dataset, _ = setup
    api = api_for(people["contributor"])
    response = api.post(f"/api/v1/pocs/{poc.pk}/datasets/", {"name": "Curated", "kind": "curated"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "curated" and body["is_standard"] is False and body["version"] == 1
    refused = api.post(f"/api/v1/pocs/{poc.pk}/datasets/", {"name": "x"}, format="json")
    assert refused.status_code == 400 and "kind" in refused.json()
    patched = api.patch(f"/api/v1/pocs/{poc.pk}/datasets/{body['id']}/", {"is_standard": True, "version": 1},
                        format="json")
    assert patched.status_code == 400
    assert "already has a standard dataset" in patched.json()["detail"]
    ok = api.patch(f"/api/v1/pocs/{poc.pk}/datasets/{body['id']}/", {"description": "hand-picked", "version": 1},
                   format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = api.patch(f"/api/v1/pocs/{poc.pk}/datasets/{body['id']}/", {"description": "x", "version": 1},
                      format="json")
    assert stale.status_code == 409 and stale.json()["current"]["description"] == "hand-picked"
    names = [d["name"] for d in api.get(f"/api/v1/pocs/{poc.pk}/datasets/").json()]
    assert names == ["Curated", "Prod sample"]


def test_model_versions_keep_their_own_version_label(setup, api_for):
    poc, people, _, model = setup
    api = api_for(people["lead"])
    created = api.post(f"/api/v1/pocs/{poc.pk}/model-versions/",
                       {"name": "claude", "provider": "Anthropic", "version": "3.5", "notes": "prompt v2"},
                       format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["version"], body["provider"], body["row_version"]) == ("3.5", "Anthropic", 1)
    patched = api.patch(f"/api/v1/pocs/{poc.pk}/model-versions/{body['id']}/",
                        {"version": "3.6", "row_version": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["version"] == "3.6"
    assert patched.json()["row_version"] == 2
    # Without row_version the change applies to the current row; a stale one is refused.
    unlocked = api.patch(f"/api/v1/pocs/{poc.pk}/model-versions/{body['id']}/", {"notes": "x"}, format="json")
    assert unlocked.status_code == 200 and unlocked.json()["notes"] == "x"
    assert unlocked.json()["row_version"] == 3
    stale = api.patch(f"/api/v1/pocs/{poc.pk}/model-versions/{body['id']}/",
                      {"notes": "y", "row_version": 2}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 3


def test_upload_computes_the_run_and_the_api_reads_it(setup, api_for):
    poc, people, dataset, model = setup
    api = api_for(people["lead"])
    response = _upload(api, poc, dataset, model, resamples=500, seed=3)
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    body = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run_id}/").json()
    assert body["status"] == "done", body
    assert body["n"] == 200 and body["kind"] == "classification"
    assert (body["resamples"], body["seed"]) == (500, 3)
    assert len(body["file_sha256"]) == 64
    assert set(body["metrics"]) == {"accuracy", "macro_f1", "macro_precision", "macro_recall"}
    accuracy = body["metrics"]["accuracy"]
    assert accuracy["ci_low"] < accuracy["value"] < accuracy["ci_high"]
    assert accuracy["value"] == pytest.approx(160 / 200)
    assert body["confusion_matrix"]["labels"] == ["a", "b", "c"]
    assert sum(map(sum, body["confusion_matrix"]["matrix"])) == 200
    assert {s["segment"] for s in body["segments"]} == {"de", "fr"}
    assert set(body["latency"]) == {"p50", "p90", "p95", "p99"}
    assert [r["id"] for r in api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/").json()] == [run_id]
    assert selectors.measured_quality(poc) == {
        "value": pytest.approx(0.8), "metric": "accuracy", "run": run_id, "model_version": model.pk
    }
    assert selectors.measured_quality(poc, model_version_id=model.pk + 999) is None


def test_recompute_is_byte_identical_and_a_new_seed_changes_the_intervals(setup, api_for):
    poc, people, dataset, model = setup
    api = api_for(people["lead"])
    run_id = _upload(api, poc, dataset, model, resamples=300).json()["id"]

    def results():
        body = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run_id}/").json()
        return json.dumps({k: v for k, v in body.items() if k not in ("computed_at",)}, sort_keys=True)

    before = results()
    response = _recompute(api, poc, run_id)
    assert response.status_code == 200
    assert results() == before
    _recompute(api, poc, run_id, {"seed": 9})
    after = json.loads(results())
    assert after["seed"] == 9 and after["status"] == "done"
    assert after["metrics"]["accuracy"]["value"] == json.loads(before)["metrics"]["accuracy"]["value"]
    assert after["metrics"]["accuracy"] != json.loads(before)["metrics"]["accuracy"]


def test_a_bad_file_fails_the_run_with_its_message_and_stores_nothing(setup, api_for):
    poc, people, dataset, model = setup
    api = api_for(people["lead"])
    response = _upload(api, poc, dataset, model, b"id,label,prediction\n1,a,a\n1,b,b\n")
    assert response.status_code == 202
    body = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{response.json()['id']}/").json()
    assert body["status"] == "failed"
    assert "Column id has duplicates on rows 1, 2" in body["error"]
    assert body["metrics"] is None and body["n"] is None


def test_a_failed_recompute_leaves_the_previous_results(setup, api_for, settings):
    poc, people, dataset, model = setup
    api = api_for(people["lead"])
    run_id = _upload(api, poc, dataset, model, resamples=200).json()["id"]
    before = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run_id}/").json()
    settings.EVAL_MAX_ROWS = 10
    _recompute(api, poc, run_id)
    after = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{run_id}/").json()
    assert after["status"] == "failed"
    assert "the limit is 10 (setting EVAL_MAX_ROWS)" in after["error"]
    assert after["metrics"] == before["metrics"] and after["n"] == 200


def test_empty_and_oversized_files_answer_400_before_any_job(setup, api_for, settings):
    poc, people, dataset, model = setup
    api = api_for(people["lead"])
    empty = _upload(api, poc, dataset, model, b"")
    assert empty.status_code == 400 and empty.json()["file"] == ["The file is empty."]
    settings.EVAL_UPLOAD_MAX_BYTES = 1000
    big = _upload(api, poc, dataset, model)
    assert big.status_code == 400
    assert "larger than" in big.json()["file"][0]
    assert not EvalRun.objects.exists()


def test_a_dataset_patch_may_leave_out_the_version_but_a_stale_one_is_refused(setup, api_for):
    poc, people, dataset, _ = setup
    api = api_for(people["lead"])
    url = f"/api/v1/pocs/{poc.pk}/datasets/{dataset.pk}/"
    patched = api.patch(url, {"provenance": "Export of March"}, format="json")
    assert patched.status_code == 200 and patched.json()["provenance"] == "Export of March"
    stale = api.patch(url, {"provenance": "Older", "version": patched.json()["version"] - 1}, format="json")
    assert stale.status_code == 409
    assert api.get(url).json()["provenance"] == "Export of March"


def test_a_dataset_of_another_poc_is_refused_naming_the_field(setup, api_for):
    poc, people, dataset, model = setup
    response = _upload(api_for(people["lead"]), poc, dataset.pk + 1000, model)
    assert response.status_code == 400 and "dataset" in response.json()


def test_viewer_reads_but_cannot_write_and_outsider_sees_nothing(setup, api_for):
    poc, people, dataset, model = setup
    _upload(api_for(people["lead"]), poc, dataset, model, resamples=200)
    viewer = api_for(people["viewer"])
    assert viewer.get(f"/api/v1/pocs/{poc.pk}/eval-runs/").status_code == 200
    assert _upload(viewer, poc, dataset, model).status_code == 403
    assert viewer.post(f"/api/v1/pocs/{poc.pk}/datasets/", {"name": "n", "kind": "curated"},
                       format="json").status_code == 403
    outsider = api_for(people["outsider"])
    for url in ("datasets/", "model-versions/", "eval-runs/", f"datasets/{dataset.pk}/"):
        assert outsider.get(f"/api/v1/pocs/{poc.pk}/{url}").status_code == 404


def test_every_write_is_audited_and_the_results_blob_is_not_copied(setup, api_for):
    poc, people, dataset, model = setup
    run_id = _upload(api_for(people["lead"]), poc, dataset, model, resamples=200).json()["id"]
    events = AuditEvent.objects.filter(table_name="evaluations_evalrun", row_pk=str(run_id))
    assert events.exists()
    assert all("results" not in (e.new_data or {}) for e in events)
    assert AuditEvent.objects.filter(table_name="evaluations_dataset", poc_id=poc.pk).exists()


def test_graded_run_through_the_api(setup, api_for):
    poc, people, dataset, model = setup
    lines = "\n".join(json.dumps({"id": i, "score": i % 5, "timestamp": f"2025-01-01T00:00:{i:02d}Z"})
                      for i in range(40))
    api = api_for(people["lead"])
    response = _upload(api, poc, dataset, model, lines.encode(), name="judge.jsonl", pass_threshold=3)
    body = api.get(f"/api/v1/pocs/{poc.pk}/eval-runs/{response.json()['id']}/").json()
    assert body["status"] == "done", body
    assert body["kind"] == "graded" and body["per_class"] is None
    assert body["metrics"]["mean_score"]["value"] == pytest.approx(2.0)
    assert body["metrics"]["pass_rate"]["value"] == pytest.approx(16 / 40)
    assert body["throughput"]["per_s"] == pytest.approx(40 / 39)
