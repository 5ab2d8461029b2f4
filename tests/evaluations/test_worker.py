"""A real Celery worker computes an evaluation run end to end; the page's fragment then shows the results.

Needs Redis (REDIS_URL); skipped without it, except under CI=true where it fails (see tests/core/test_worker.py).
"""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.evaluations import services
from apps.evaluations.models import EvalRun
from tests.core.test_worker import TIMEOUT, _worker_log, worker, worker_queue  # noqa: F401, F811  (fixtures)

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

ROWS = "id,label,prediction,latency_ms\n" + "".join(
    f"{i},{'ab'[i % 2]},{'ab'[(i // 3) % 2]},{100 + i}\n" for i in range(300)
)


@pytest.fixture
def shared_media(tmp_path, settings, monkeypatch):
    """One uploads folder for this process and the worker it starts (requested before the worker)."""
    folder = tmp_path / "uploads"
    settings.MEDIA_ROOT = folder
    monkeypatch.setenv("MEDIA_ROOT", str(folder))
    return folder


def test_a_real_worker_computes_an_uploaded_run(shared_media, worker_queue, team, client):  # noqa: F811
    worker_process, log_path = worker_queue
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "production"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "Model"})
    client.force_login(people["lead"])

    response = client.post(
        reverse("evaluations:run-create", args=[poc.pk]),
        {"dataset": dataset.pk, "model_version": model.pk, "file": SimpleUploadedFile("r.csv", ROWS.encode()),
         "resamples": 500, "seed": 0},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    assert 'hx-trigger="every 1s"' in response.content.decode()  # queued: the fragment polls itself
    run = EvalRun.objects.get(poc=poc)

    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status == EvalRun.Status.DONE:
            break
        assert worker_process.poll() is None, f"the worker exited:\n{_worker_log(log_path)}"
        time.sleep(0.25)
    else:
        pytest.fail(f"run still {run.status} after {TIMEOUT} s; worker log:\n{_worker_log(log_path)}")

    assert run.n == 300 and run.headline == pytest.approx(200 / 300)
    assert "eval_run_compute_task" in _worker_log(log_path)
    fragment = client.get(reverse("evaluations:run-status", args=[poc.pk, run.pk]), HTTP_HX_REQUEST="true")
    body = fragment.content.decode()
    assert "hx-trigger" not in body
    assert "Accuracy" in body and "0.6667" in body
    assert "Confusion matrix" in body
