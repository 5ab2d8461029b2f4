"""Every text people type has a limit, held the same by the API, the pages, the services and the database."""

import json
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, models, transaction
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.checklists.models import ChecklistItem
from apps.core.errors import ValidationFailed
from apps.core.validators import LONG_TEXT, BoundedTextField
from apps.pocs import services
from apps.pocs.models import PoC

BASE = "/api/v1"
TOO_LONG = "x" * (LONG_TEXT + 1)
HTMX = {"HTTP_HX_REQUEST": "true"}


def project_text_fields():
    for model in apps.get_models():
        if model.__module__.startswith("apps.") and not model._meta.abstract:
            for field in model._meta.concrete_fields:
                if isinstance(field, models.TextField):
                    yield model, field


def test_every_long_text_of_the_project_is_bounded():
    unbounded = [f"{m._meta.label}.{f.name}" for m, f in project_text_fields() if not isinstance(f, BoundedTextField)]
    # The job's error is written by the worker from an exception, never typed by a person.
    assert set(unbounded) <= {"core.Job.error"}, unbounded


BOUNDED = sorted(f"{m._meta.label}.{f.name}" for m, f in project_text_fields() if isinstance(f, BoundedTextField))


@pytest.mark.parametrize("label", BOUNDED)
def test_each_bounded_text_is_refused_by_full_clean_and_by_the_database(db, label):
    model_label, name = label.rsplit(".", 1)
    model = apps.get_model(model_label)
    field = model._meta.get_field(name)
    with pytest.raises(ValidationError) as refused:
        field.clean("y" * (field.max_length + 1), None)
    assert str(field.max_length) in str(refused.value)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c'",
            [model._meta.db_table],
        )
        checks = [row[0] for row in cursor.fetchall()]
    # Added NOT VALID to tables that held rows before the limit (no scan), plainly to new tables.
    expected = f"CHECK ((char_length({field.column}) <= {field.max_length}))"
    assert expected in checks or f"{expected} NOT VALID" in checks, checks


def test_a_too_long_description_is_refused_by_the_api_naming_the_field(api_for, poc, people):
    api = api_for(people["lead"])
    response = api.patch(f"{BASE}/pocs/{poc.pk}/", {"description": TOO_LONG, "version": poc.version}, format="json")
    assert response.status_code == 400
    assert "10000" in response.json()["description"][0]
    poc.refresh_from_db()
    assert poc.description == "" and poc.version == 1
    exactly = "y" * LONG_TEXT
    response = api.patch(f"{BASE}/pocs/{poc.pk}/", {"description": exactly, "version": poc.version}, format="json")
    assert response.status_code == 200 and response.json()["description"] == exactly


def test_a_too_long_checklist_note_is_refused_by_the_api(api_for, poc, people):
    item = ChecklistItem.objects.filter(poc=poc).first()
    response = api_for(people["lead"]).patch(
        f"{BASE}/pocs/{poc.pk}/checklist/{item.pk}/", {"notes": TOO_LONG, "version": item.version}, format="json"
    )
    assert response.status_code == 400 and "10000" in response.json()["notes"][0]


def test_a_too_long_description_is_refused_on_the_page(client_for, poc, people):
    response = client_for(people["lead"]).post(
        reverse("pocs:field", args=[poc.pk, "description"]), {"description": TOO_LONG, "version": poc.version}, **HTMX
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="input-description"' in html and "at most 10000 characters" in html
    poc.refresh_from_db()
    assert poc.description == ""


def test_a_too_long_description_is_refused_by_the_service_naming_the_field_and_the_limit(poc, people):
    events = AuditEvent.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        services.poc_update(poc=poc, user=people["lead"], changes={"description": TOO_LONG}, version=poc.version)
    assert refused.value.message.startswith("description:") and "10000" in refused.value.message
    assert list(refused.value.errors) == ["description"]
    assert AuditEvent.objects.count() == events


def test_a_raw_write_over_the_limit_is_refused_by_the_database(poc):
    with pytest.raises(IntegrityError), transaction.atomic():
        PoC.objects.filter(pk=poc.pk).update(description=TOO_LONG)


def test_a_200000_character_json_body_is_refused(api_for, poc, people):
    body = json.dumps({"description": "z" * 200_000, "version": poc.version})
    response = api_for(people["lead"]).generic(
        "PATCH", f"{BASE}/pocs/{poc.pk}/", body, content_type="application/json"
    )
    assert response.status_code == 400 and "10000" in response.json()["description"][0]
    assert not AuditEvent.objects.filter(poc_id=poc.pk, new_data__description__startswith="zzz").exists()


def test_a_body_over_the_limit_answers_413_before_it_is_read(api_for, client_for, poc, people, settings):
    big = "z" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = api_for(people["lead"]).generic(
        "PATCH", f"{BASE}/pocs/{poc.pk}/", json.dumps({"description": big, "version": 1}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert "the limit is 1.0 MB" in response.json()["detail"]
    page = client_for(people["lead"]).post(
        reverse("pocs:field", args=[poc.pk, "description"]),
        urlencode({"description": big, "version": 1}),
        content_type="application/x-www-form-urlencoded",
    )
    assert page.status_code == 413 and "the limit is 1.0 MB" in page.content.decode()
    poc.refresh_from_db()
    assert poc.version == 1


def test_an_evidence_file_larger_than_the_form_limit_still_uploads(api_for, poc, people, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    item = ChecklistItem.objects.filter(poc=poc).first()
    content = b"%PDF-1.7\n" + b"0" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 512 * 1024)
    response = api_for(people["lead"]).post(
        f"{BASE}/pocs/{poc.pk}/checklist/{item.pk}/evidence/",
        {"file": SimpleUploadedFile("big.pdf", content), "version": item.version},
        format="multipart",
    )
    assert response.status_code == 200, response.content[:300]
    item.refresh_from_db()
    assert (settings.MEDIA_ROOT / item.evidence_file.name).stat().st_size == len(content)
