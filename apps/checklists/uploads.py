"""Checking evidence files: size, extension, and what the first bytes say the file really is.

The browser's declared content type is never trusted; the type served back is the one found
here. Text files must be UTF-8 (a byte-order mark is allowed) and contain no NUL bytes.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings

from apps.core import uploads as core_uploads


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str


KINDS = {
    ".pdf": Kind("application/pdf", "PDF"),
    ".png": Kind("image/png", "PNG image"),
    ".jpg": Kind("image/jpeg", "JPEG image"),
    ".jpeg": Kind("image/jpeg", "JPEG image"),
    ".txt": Kind("text/plain; charset=utf-8", "text file"),
    ".csv": Kind("text/csv; charset=utf-8", "CSV file"),
    ".docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"),
    ".xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook"),
    ".pptx": Kind("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint deck"),
}
OFFICE_FOLDER = {".docx": "word/", ".xlsx": "xl/", ".pptx": "ppt/"}
ALLOWED_TEXT = ", ".join(sorted({ext.lstrip(".") for ext in KINDS}))


class EvidenceRefused(ValueError):
    pass


def max_bytes() -> int:
    return settings.UPLOAD_MAX_BYTES


def human_size(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{max(size, 1) / 1024:.0f} KB"


def too_big_message() -> str:
    return f"The file is larger than the {human_size(max_bytes())} limit."


def _matches(ext: str, upload) -> bool:
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if ext == ".pdf":
        return head.startswith(b"%PDF-")
    if ext == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if ext in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if ext in OFFICE_FOLDER:
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(upload) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError):
            return False
        finally:
            upload.seek(0)
        return "[Content_Types].xml" in names and any(n.startswith(OFFICE_FOLDER[ext]) for n in names)
    # .txt / .csv: the whole file must decode as UTF-8, read in chunks.
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        for chunk in upload.chunks():
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return True


def check_evidence(upload) -> Kind:
    """The file's kind if it is acceptable evidence, else ``EvidenceRefused`` with a message for a person."""
    if upload is None:
        raise EvidenceRefused("Choose a file to upload.")
    if upload.size > max_bytes():
        raise EvidenceRefused(
            f"The file is {human_size(upload.size)}; the limit is {human_size(max_bytes())}."
        )
    if upload.size == 0:
        raise EvidenceRefused("The file is empty.")
    ext = PurePath(upload.name or "").suffix.lower()
    kind = KINDS.get(ext)
    if kind is None:
        raise EvidenceRefused(f"Files of this type are not accepted. Accepted: {ALLOWED_TEXT}.")
    if not _matches(ext, upload):
        detail = "is not UTF-8 text" if ext in (".txt", ".csv") else "does not look like one"
        raise EvidenceRefused(f"The file is named as a {kind.label} but its content {detail}.")
    return kind


def safe_name(name: str) -> str:
    """The original file name reduced to its last part, for the download's filename only."""
    base = PurePath((name or "evidence").replace("\\", "/")).name.strip() or "evidence"
    return "".join(ch for ch in base if ch.isprintable())[:200]


def install_size_limit(request) -> None:
    """Evidence files are refused while they stream in once they pass ``UPLOAD_MAX_BYTES``."""
    core_uploads.install_size_limit(request, max_bytes())
