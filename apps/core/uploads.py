"""Uploaded files kept under a size limit while they stream in, for every app that takes files."""

from __future__ import annotations

from django.core.files.uploadhandler import FileUploadHandler, SkipFile


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops storing an uploaded file as soon as it passes ``limit`` bytes and flags the request.

    Must run first, before the request body is parsed (views install it before CSRF reads the
    form), so an oversized file is never written out whole.
    """

    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.request.upload_too_large = True
            raise SkipFile()
        return raw_data

    def file_complete(self, file_size):
        return None


def install_size_limit(request, limit: int) -> None:
    """Refuse, while it streams, any file of this request over ``limit`` bytes (``request.upload_too_large``)."""
    request.upload_too_large = False
    request.upload_handlers.insert(0, SizeLimitUploadHandler(request, limit=limit))
