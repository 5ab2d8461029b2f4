"""Static files as production serves them: hashed names, .gz and .br copies, cached for good.

The test suite renders pages without collectstatic (``STATIC_COLLECTED=false``, set by
``tests/environment.py``), so a fresh clone runs it as is. Here ``collectstatic`` writes into a
scratch folder with the production storage and WhiteNoise serves from it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management import call_command
from django.http import HttpResponse
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.utils.functional import empty
from whitenoise.middleware import WhiteNoiseMiddleware

ROOT = Path(__file__).resolve().parent.parent
FOREVER = "max-age=315360000"
MANIFEST = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PACKAGES = ["admin", "rest_framework", "drf_spectacular_sidecar", "django_htmx"]


def production_static_settings(**env: str) -> dict:
    """The static settings a fresh process reads with ``env`` (no test overrides)."""
    code = (
        "import json, pocportal.settings as s; print(json.dumps({'storage': s.STORAGES['staticfiles']['BACKEND'], "
        "'finders': s.WHITENOISE_USE_FINDERS, 'autorefresh': s.WHITENOISE_AUTOREFRESH}))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"STATIC_COLLECTED", "DEBUG"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "pocportal.settings", "SECRET_KEY": "static-test", **env})
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout)


def test_production_serves_the_collected_files_and_debug_the_sources():
    assert production_static_settings(DEBUG="false") == {
        "storage": MANIFEST, "finders": False, "autorefresh": False,
    }
    assert production_static_settings(DEBUG="true") == {
        "storage": "django.contrib.staticfiles.storage.StaticFilesStorage", "finders": True, "autorefresh": True,
    }


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """The portal's own static files collected once with the production storage (the packages' are left out:
    they go through the same storage, and compressing their bundles takes most of a full collectstatic)."""
    root = tmp_path_factory.mktemp("static")
    production = override_settings(
        STATIC_ROOT=root,
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": MANIFEST}},
        WHITENOISE_USE_FINDERS=False,
        WHITENOISE_AUTOREFRESH=False,
    )
    with production:
        call_command("collectstatic", "--noinput", verbosity=0, ignore_patterns=PACKAGES)
        yield root
    staticfiles_storage._wrapped = empty


def serve(path: str, encodings: str = "br, gzip"):
    middleware = WhiteNoiseMiddleware(lambda request: HttpResponse("not a static file", status=404))
    return middleware(RequestFactory().get(path, HTTP_ACCEPT_ENCODING=encodings))


def test_collectstatic_writes_hashed_names_with_compressed_copies(collected):
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    for source in ("css/app.css", "js/app.js"):
        hashed = paths[source]
        stem, suffix = source.rsplit(".", 1)
        assert re.fullmatch(rf"{re.escape(stem)}\.[0-9a-f]{{12}}\.{suffix}", hashed)
        assert (collected / f"{hashed}.gz").stat().st_size > 0 and (collected / f"{hashed}.br").stat().st_size > 0
    # Pages name the hashed file, so a changed file is a new address.
    rendered = Template("{% load static %}{% static 'css/app.css' %}").render(Context())
    assert rendered == f"/static/{paths['css/app.css']}"


def test_hashed_files_are_served_compressed_and_cached_forever(collected):
    paths = json.loads((collected / "staticfiles.json").read_text())["paths"]
    url = f"/static/{paths['css/app.css']}"
    brotli = serve(url)
    assert brotli.status_code == 200 and brotli["Content-Encoding"] == "br"
    assert FOREVER in brotli["Cache-Control"] and "immutable" in brotli["Cache-Control"]
    gzip = serve(url, "gzip")
    assert gzip["Content-Encoding"] == "gzip"
    plain = serve(url, "identity")
    assert "Content-Encoding" not in plain and int(plain["Content-Length"]) > int(brotli["Content-Length"])
    # Only the hashed copies are kept, and nothing is looked up beside them (no finders in production).
    assert not (collected / "css" / "app.css").exists()
    assert serve("/static/css/app.css").status_code == 404
