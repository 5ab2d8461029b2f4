"""The evaluations pages: the tab, forms for editors only, refusals in place, conflicts, the file download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from apps.evaluations import services
from apps.evaluations.models import Dataset

pytestmark = pytest.mark.django_db

ROWS = b"id,label,prediction\n1,a,a\n2,a,b\n3,b,b\n"


@pytest.fixture
def setup(team, private_media):
    poc, people = team
    dataset = services.dataset_create(poc=poc, user=people["lead"], data={"name": "Sample", "kind": "curated"})
    model = services.model_version_create(poc=poc, user=people["lead"], data={"name": "Model"})
    return poc, people, dataset, model


def test_the_tab_and_the_forms_are_shown_to_editors_only(setup, client):
    poc, people, _, _ = setup
    client.force_login(people["contributor"])
    body = client.get(reverse("evaluations:index", args=[poc.pk])).content.decode()
    assert f'href="/pocs/{poc.pk}/evaluations/"' in body and "Evaluations" in body
    assert 'id="upload-form"' in body and "Register a dataset" in body
    client.force_login(people["viewer"])
    body = client.get(reverse("evaluations:index", args=[poc.pk])).content.decode()
    assert "Sample" in body and 'id="upload-form"' not in body and "Register a dataset" not in body


def test_an_upload_refused_answers_the_form_with_the_message(setup, client, settings):
    poc, people, dataset, model = setup
    client.force_login(people["lead"])
    url = reverse("evaluations:run-create", args=[poc.pk])
    empty = client.post(url, {"dataset": dataset.pk, "model_version": model.pk, "resamples": 2000, "seed": 0,
                              "file": SimpleUploadedFile("r.csv", b"")}, HTTP_HX_REQUEST="true")
    assert empty.status_code == 400 and "The file is empty." in empty.content.decode()
    settings.EVAL_UPLOAD_MAX_BYTES = 10
    big = client.post(url, {"dataset": dataset.pk, "model_version": model.pk, "resamples": 2000, "seed": 0,
                            "file": SimpleUploadedFile("r.csv", ROWS)})
    assert big.status_code == 400 and "larger than" in big.content.decode()


def test_the_run_page_shows_results_and_serves_the_file_as_a_download(setup, client):
    poc, people, dataset, model = setup
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.eval_run_create(poc=poc, user=people["lead"], dataset=dataset, model_version=model,
                                       upload=SimpleUploadedFile("r.csv", ROWS), resamples=200)
    client.force_login(people["viewer"])
    body = client.get(reverse("evaluations:run", args=[poc.pk, run.pk])).content.decode()
    assert "Accuracy" in body and "0.6667" in body and "heat-9" in body
    assert "Recompute" not in body  # a viewer reads only
    download = client.get(reverse("evaluations:run-file", args=[poc.pk, run.pk]))
    assert download["Content-Disposition"].startswith("attachment")
    assert b"".join(download.streaming_content) == ROWS


def test_a_stale_dataset_edit_shows_the_conflict_and_keeps_what_was_typed(setup, client):
    poc, people, dataset, _ = setup
    services.dataset_update(dataset=dataset, user=people["lead"], changes={"description": "theirs"}, version=1)
    client.force_login(people["contributor"])
    response = client.post(reverse("evaluations:dataset", args=[poc.pk, dataset.pk]),
                           {"name": "Sample", "kind": "curated", "description": "mine", "provenance": "",
                            "version": 1})
    assert response.status_code == 409
    body = response.content.decode()
    assert "theirs" in body and "mine" in body
    assert Dataset.objects.get(pk=dataset.pk).description == "theirs"
