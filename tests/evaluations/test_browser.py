"""In real Chromium: upload a results file, watch the run's progress, see its results, all without a reload."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from apps.evaluations import services
from apps.evaluations.models import EvalRun
from apps.evaluations.tasks import eval_run_compute_task
from tests.browser.conftest import accessible, login, page  # noqa: F401, F811  (fixtures)

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
    monkeypatch.setattr("apps.core.jobs.job_send", lambda job_id, **send: False)

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


def test_register_edit_an_endpoint_start_a_live_run_and_cancel_it_in_place(
    page, live_server, team, private_media, monkeypatch, settings, accessible,  # noqa: F811
):
    from cryptography.fernet import Fernet
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.FIELD_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.MODEL_ENDPOINT_ALLOWED_HOSTS = ["model.example.com"]
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "production"})
    services.model_version_create(poc=poc, user=people["lead"], data={"name": "Model A", "release": "1"})
    services.dataset_items_replace(dataset=dataset, user=people["lead"], upload=SimpleUploadedFile(
        "items.csv", b"id,input,label\n1,first,a\n2,second,b\n"))
    monkeypatch.setattr("apps.core.jobs.job_send", lambda job_id, **send: False)  # queued, never started

    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/evaluations/")
    page.evaluate("window.__marker = 1")
    section = page.locator("#endpoints")
    section.get_by_text("Register a model endpoint").click()
    form = section.locator("#endpoint-form")
    form.get_by_label("Name").fill("Hosted")
    form.get_by_label("Model version").select_option(label="Model A 1")
    form.get_by_label("Kind").select_option("openai_chat")
    form.get_by_label("URL").fill("https://model.example.com/v1/chat/completions")
    form.get_by_label("Model", exact=True).fill("model-a")
    form.get_by_label("Headers").fill('{"Authorization": "Bearer browser-secret"}')
    form.get_by_role("button", name="Register the endpoint").click()
    row = page.locator("#endpoints tbody tr").first
    expect(row).to_contain_text("Hosted")
    expect(row).to_contain_text("Authorization")
    expect(page.locator("body")).not_to_contain_text("browser-secret")
    expect(page.locator("#save-status")).to_contain_text("Registered the endpoint")

    row.get_by_role("link", name="Edit the endpoint Hosted").click()
    expect(row.get_by_label("Name")).to_be_focused()
    expect(row.get_by_label("Headers")).to_have_value("")
    timeout = row.get_by_label("Timeout (seconds)")
    timeout.fill("12")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#endpoints tbody tr").first).to_contain_text("12 s timeout")
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"
    accessible(page, "the evaluations page with an endpoint")

    page.goto(f"{live_server.url}/pocs/{poc.pk}/evaluations/")
    live = page.locator("#live-form")
    live.get_by_label("Model endpoint").select_option(label="Hosted → Model A 1")
    live.get_by_label("Dataset").select_option(label="Sample (2 items)")
    live.get_by_role("button", name="Start the live run").click()
    status = page.locator("#run-status")
    expect(status).to_have_attribute("data-status", "queued")
    expect(page.locator("#run-source")).to_contain_text("Live run against Hosted")
    page.evaluate("window.__marker = 2")
    status.get_by_role("button", name="Cancel the run").click()
    expect(page.locator("#run-status")).to_have_attribute("data-status", "cancelled")
    expect(page.locator("#run-status").get_by_role("button", name="Cancel the run")).to_have_count(0)
    assert page.evaluate("window.__marker") == 2, "the page was reloaded"
    assert EvalRun.objects.get(poc=poc).status == "cancelled"


def test_import_items_then_edit_and_remove_one_in_place(page, live_server, team, private_media, tmp_path):  # noqa: F811
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "curated"})
    login(page, live_server, people["lead"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/evaluations/datasets/{dataset.pk}/")
    page.evaluate("window.__marker = 1")
    items = page.locator("#items")
    items.get_by_text("Import items from a file").click()
    path = tmp_path / "items.csv"
    path.write_text("id,input,label\nq1,Is this spam?,yes\nq2,Hello there,no\n")
    items.get_by_label("Items file").set_input_files(str(path))
    items.get_by_role("button", name="Import and replace the items").click()
    expect(page.locator("#items-summary")).to_contain_text("2 items")
    row = page.locator("#items tbody tr").filter(has_text="q1")
    row.get_by_role("link", name="Edit the item q1").click()
    row = page.locator("#items tbody tr").first
    row.get_by_label("Label").fill("spam")
    row.get_by_role("button", name="Save").click()
    expect(page.locator("#items tbody tr").first).to_contain_text("spam")
    page.locator("#items tbody tr").filter(has_text="q2").get_by_role("button", name="Remove the item q2").click()
    expect(page.locator("#items tbody tr")).to_have_count(1)
    assert page.evaluate("window.__marker") == 1, "the page was reloaded"


def test_the_production_owner_sees_the_drift_alert_and_sets_the_watch_on_a_go_poc(
    page, live_server, team, private_media, monkeypatch, accessible,  # noqa: F811
):
    from apps.evaluations import providers
    from apps.evaluations.models import ModelEndpoint, Monitoring, MonitoringRun
    from apps.pocs.models import PoC, Stage
    from tests.evaluations.builders import classification_rows, computed_run, setup_evaluations

    poc, people = team
    production, _, model_a, _ = setup_evaluations(poc, people["lead"])
    baseline = computed_run(poc, people["lead"], production, model_a, classification_rows(100, 0.9), resamples=200)
    endpoint = ModelEndpoint.objects.create(poc=poc, model_version=model_a, name="Production", kind="openai_chat",
                                            url="https://models.example.com/v1", model="m")
    watch = Monitoring.objects.create(poc=poc, schedule="monthly", endpoint=endpoint, baseline_run=baseline)
    MonitoringRun.objects.create(poc=poc, monitoring=watch, endpoint=endpoint, baseline_run=baseline, status="done",
                                 metric="accuracy", n=100, value=-0.2, ci_low=-0.3, ci_high=-0.1, alert=True)
    PoC.objects.filter(pk=poc.pk).update(stage=Stage.DECIDED)
    monkeypatch.setitem(providers._PROVIDERS, "decision_outcome", lambda p: "go")

    login(page, live_server, people["production_owner"])
    page.goto(f"{live_server.url}/pocs/{poc.pk}/evaluations/#drift")
    card = page.locator("#drift")
    expect(card.get_by_role("alert")).to_have_text("a drop beyond the interval")
    expect(card.locator("#drift-watch-value")).to_contain_text("-0.200 (-0.300 – -0.100) on 100 items")
    accessible(page, "the Evaluations tab with the drift watch")
    card.get_by_label("Schedule").select_option("weekly")
    card.get_by_role("button", name="Save the drift watch").click()
    expect(page.locator("#drift-watch-schedule")).to_contain_text("Weekly")
    assert Monitoring.objects.get(poc=poc).schedule == "weekly"
