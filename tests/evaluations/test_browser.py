"""In real Chromium: upload a results file, watch the run's progress, see its results, all without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.evaluations import services
from apps.evaluations.models import EvalRun
from apps.evaluations.tasks import eval_run_compute_task
from tests.browser.conftest import login, page  # noqa: F401, F811  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROWS = "id,label,prediction,segment,latency_ms\n" + "".join(
    f"{i},{'ab'[i % 2]},{'ab'[(i // 3) % 2]},{'fr' if i % 4 else 'de'},{100 + i}\n" for i in range(300)
)


def test_upload_watch_progress_and_see_results_without_reload(page,  # noqa: F811
                                                              live_server, team, private_media, monkeypatch,
                                                              tmp_path):
    poc, people = team
    services.dataset_create(poc=poc, user=people["lead"], data={"name": "Production sample", "kind": "production"})
    services.model_version_create(poc=poc, user=people["lead"], data={"name": "Model A", "release": "1"})
    # The job is queued but not sent, so the page shows it waiting; the test then runs it as a worker would.
    monkeypatch.setattr("apps.core.jobs.job_send", lambda job_id: False)

    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/evaluations/")
    page.evaluate("window.__marker = 1")
    form = page.locator("#upload-form")
    form.get_by_label("Dataset").select_option(label="Production sample")
    form.get_by_label("Model version").select_option(label="Model A 1")
    path = tmp_path / "results.csv"
    path.write_text(ROWS)
    form.get_by_label("Results file").set_input_files(str(path))
    form.get_by_role("button", name="Upload and compute").click()

    status = page.locator("#run-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(status.locator("progress")).to_be_visible()
    run = EvalRun.objects.get(poc=poc)
    eval_run_compute_task.apply(args=[run.job_id, 2000, 0])

    expect(status).to_have_attribute("data-status", "done", timeout=10_000)
    results = page.locator("#run-results")
    expect(results.locator("table.metrics").get_by_role("row", name="Accuracy")).to_contain_text("0.6667")
    expect(page.get_by_role("table", name="Confusion matrix: rows are the true labels, columns the predictions")
           ).to_be_visible()
    expect(results).to_contain_text("Latency (ms)")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def test_set_a_target_compare_two_versions_and_see_the_leaderboard_and_chart_without_reload(
    page, live_server, team, private_media,  # noqa: F811
):
    from tests.evaluations.builders import classification_rows, computed_run, setup_evaluations

    poc, people = team
    production, _, model_a, model_b = setup_evaluations(poc, people["lead"])
    computed_run(poc, people["lead"], production, model_a, classification_rows(300, 0.95, seed=1), resamples=300)
    computed_run(poc, people["lead"], production, model_b, classification_rows(300, 0.7, seed=2), resamples=300)

    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/evaluations/")
    page.evaluate("window.__marker = 1")
    targets = page.locator("#targets")
    targets.get_by_role("link", name="Edit the targets").click()
    targets.get_by_label("Quality metric").select_option("accuracy")
    targets.get_by_label("Quality threshold").fill("0.8")
    targets.get_by_role("button", name="Save").click()
    expect(page.locator("#quality-target")).to_contain_text("Accuracy ≥ 0.8")
    expect(page.locator("#quality-target")).to_contain_text("met")
    expect(page.locator("#targets-badge")).to_contain_text("Quality target: met")

    compare = page.locator("#compare-form")
    compare.get_by_label("Model A 1").check()
    compare.get_by_label("Model B 2").check()
    compare.get_by_role("button", name="Compare").click()
    board = page.locator("#leaderboard")
    expect(board.locator("table.leaderboard")).to_be_visible()
    expect(board.get_by_role("row").nth(1)).to_contain_text("Model A 1 (best)")
    expect(board.get_by_role("row").nth(2)).to_contain_text("Model B 2")
    chart = board.get_by_role("img", name="Accuracy by model version on Production sample")
    expect(chart).to_be_visible()
    expect(chart).to_contain_text("target 0.800")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
