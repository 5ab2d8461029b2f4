"""Evidence files: size and type checked, stored outside the web root, downloaded as attachments."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.checklists.models import Reason
from tests.checklists.conftest import items_of

HTMX = {"HTTP_HX_REQUEST": "true"}
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def page_url(poc, item):
    return reverse("checklists:item-evidence", args=[poc.pk, item.pk])


def api_url(poc, item):
    return f"/api/v1/pocs/{poc.pk}/checklist/{item.pk}/evidence/"


def stored_files(settings) -> list:
    """Every file under MEDIA_ROOT (none when nothing was ever stored: the folder is not created)."""
    return [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_a_pdf_is_stored_outside_the_web_root_and_downloaded_as_an_attachment(poc, people, client_for, settings):
    item = items_of(poc)[0]
    client = client_for(people["contributor"])
    response = client.post(page_url(poc, item), {"file": upload("plan.pdf", PDF), "version": 1}, **HTMX)
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.evidence_file_name == "plan.pdf" and item.version == 2
    stored = settings.MEDIA_ROOT / item.evidence_file.name
    assert stored.read_bytes() == PDF
    assert "plan" not in item.evidence_file.name  # a random name on disk

    download = client_for(people["viewer"]).get(page_url(poc, item))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert 'filename="plan.pdf"' in download["Content-Disposition"]
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize("name,content", [
    ("notes.txt", "Représentatif, naïve".encode()),
    ("rows.csv", b"id,label\n1,a\n"),
    ("shot.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
    ("photo.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ("plan.docx", docx_bytes()),
])
def test_accepted_kinds_of_evidence(poc, people, api_for, name, content):
    item = items_of(poc)[0]
    response = api_for(people["lead"]).post(api_url(poc, item), {"file": upload(name, content), "version": 1},
                                            format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["evidence_file_name"] == name


@pytest.mark.parametrize("name,content,message", [
    ("tool.exe", b"MZ\x90\x00", "not accepted"),
    ("page.html", b"<script>alert(1)</script>", "not accepted"),
    ("fake.pdf", b"<html><script>alert(1)</script>", "does not look like one"),
    ("fake.png", PDF, "does not look like one"),
    ("fake.docx", b"PK\x03\x04not really a zip", "does not look like one"),
    ("latin1.csv", "café".encode("latin-1"), "not UTF-8"),
    ("empty.txt", b"", "empty"),
])
def test_wrong_types_are_refused_with_a_clear_message(poc, people, api_for, client_for, name, content, message):
    item = items_of(poc)[0]
    response = api_for(people["lead"]).post(api_url(poc, item), {"file": upload(name, content), "version": 1},
                                            format="multipart")
    assert response.status_code == 400
    assert message in response.json()["file"][0]
    html = client_for(people["lead"]).post(page_url(poc, item), {"file": upload(name, content), "version": 1},
                                           **HTMX).content.decode()
    assert message in html
    item.refresh_from_db()
    assert not item.evidence_file


def test_a_file_over_the_limit_is_refused_on_the_page_and_in_the_api(poc, people, api_for, client_for, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    item = items_of(poc)[0]
    big = PDF + b"0" * 2048
    html = client_for(people["lead"]).post(page_url(poc, item), {"file": upload("big.pdf", big), "version": 1},
                                           **HTMX).content.decode()
    assert "larger than the 1 KB limit" in html
    response = api_for(people["lead"]).post(api_url(poc, item), {"file": upload("big.pdf", big), "version": 1},
                                            format="multipart")
    assert response.status_code == 400 and "limit" in response.json()["file"][0]
    item.refresh_from_db()
    assert not item.evidence_file
    assert stored_files(settings) == []


def test_a_stale_upload_is_refused_and_nothing_is_stored(poc, people, api_for, settings):
    item = items_of(poc)[0]
    api = api_for(people["lead"])
    api.patch(f"/api/v1/pocs/{poc.pk}/checklist/{item.pk}/", {"version": 1, "notes": "n"}, format="json")
    response = api.post(api_url(poc, item), {"file": upload("plan.pdf", PDF), "version": 1}, format="multipart")
    assert response.status_code == 409
    assert stored_files(settings) == []


def test_the_api_download_has_attachment_and_nosniff(poc, people, api_for):
    item = items_of(poc)[0]
    body = api_for(people["lead"]).post(api_url(poc, item), {"file": upload("a.txt", b"hello"), "version": 1},
                                        format="multipart").json()
    assert body["evidence"]["file"] == api_url(poc, item) == body["evidence_file"]
    response = api_for(people["viewer"]).get(api_url(poc, item))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_outsiders_get_404_for_evidence_and_read_only_people_cannot_upload(poc, people, api_for, client_for):
    item = items_of(poc)[0]
    api_for(people["lead"]).post(api_url(poc, item), {"file": upload("a.pdf", PDF), "version": 1}, format="multipart")
    assert client_for(people["outsider"]).get(page_url(poc, item)).status_code == 404
    assert api_for(people["outsider"]).get(api_url(poc, item)).status_code == 404
    assert api_for(people["outsider"]).post(api_url(poc, item), {"file": upload("b.pdf", PDF), "version": 2},
                                            format="multipart").status_code == 404
    assert api_for(people["viewer"]).post(api_url(poc, item), {"file": upload("b.pdf", PDF), "version": 2},
                                          format="multipart").status_code == 403
    assert client_for(people["viewer"]).post(page_url(poc, item), {"file": upload("b.pdf", PDF), "version": 2}
                                             ).status_code == 403


def test_the_production_owner_can_upload_to_ops_items_only(poc, people, api_for):
    api = api_for(people["production_owner"])
    ops = items_of(poc, reason=Reason.OPS_HANDOVER)[0]
    other = items_of(poc, reason=Reason.DATA)[0]
    assert api.post(api_url(poc, ops), {"file": upload("runbook.pdf", PDF), "version": 1},
                    format="multipart").status_code == 200
    assert api.post(api_url(poc, other), {"file": upload("x.pdf", PDF), "version": 1},
                    format="multipart").status_code == 403


def test_an_item_without_a_file_has_nothing_to_download(poc, people, client_for):
    item = items_of(poc)[0]
    assert client_for(people["lead"]).get(page_url(poc, item)).status_code == 404


def test_the_download_name_cannot_carry_a_path(poc, people, api_for):
    item = items_of(poc)[0]
    body = api_for(people["lead"]).post(
        api_url(poc, item), {"file": upload("../../etc/passwd.txt", b"x"), "version": 1}, format="multipart"
    ).json()
    assert "/" not in body["evidence_file_name"]


def test_an_api_upload_without_a_version_is_accepted(poc, people, api_for):
    item = items_of(poc)[0]
    response = api_for(people["lead"]).post(api_url(poc, item), {"file": upload("plan.pdf", PDF)}, format="multipart")
    assert response.status_code == 200
    assert response.json()["evidence_file_name"] == "plan.pdf"
    assert response.json()["version"] == item.version + 1
