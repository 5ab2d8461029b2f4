"""Settings are read-only: importing them starts no database and writes no file; the embedded
PostgreSQL starts on the first connection instead; EMAIL_URL forms.

Each case imports ``pocportal.settings`` in a fresh interpreter with its own environment, as
``manage.py``, gunicorn or a Celery worker would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent

REPORT = """
import json
from django.core.exceptions import ImproperlyConfigured
try:
    import pocportal.settings as s
except ImproperlyConfigured as error:
    print(json.dumps({"import_error": str(error)}))
    raise SystemExit(0)
report = {"database": s.DATABASES["default"]}
report.update({name: getattr(s, name) for name in dir(s) if name.startswith("EMAIL_")})
if "--connect" in __import__("sys").argv:
    import django
    django.setup()
    from django.db import connection
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1, current_database(), current_setting('data_directory')")
        report["connect"] = list(cursor.fetchone())
print(json.dumps(report, default=str))
"""


def import_settings(data_dir: Path, *args: str, **env: str) -> dict:
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SECRET_KEY"}}
    environment.pop("EMAIL_URL", None)
    environment.update({"DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "pocportal.settings", **env})
    result = subprocess.run(
        [sys.executable, "-c", REPORT, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def servers_using(folder: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if str(folder) in cmdline:
            found.append(cmdline)
    return found


@pytest.fixture
def data_dir(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


def stop_cluster(data_dir: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "pocportal.embedded_db", "stop"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _postmaster_pid(data_dir: Path, pid: int) -> None:
    """A ``postmaster.pid`` as PostgreSQL writes it: pid, data folder, start time, port, socket folder, …"""
    pgdata = data_dir / "postgres"
    pgdata.mkdir()
    lines = [str(pid), str(pgdata), "1700000000", "5433", "/run/embedded-sockets", "", "0 0", "ready"]
    (pgdata / "postmaster.pid").write_text("\n".join(lines) + "\n")


def test_without_database_url_importing_settings_starts_nothing_and_the_first_connection_starts_postgres(data_dir):
    report = import_settings(data_dir, SECRET_KEY="a-key-for-this-test")

    assert list(data_dir.iterdir()) == []
    assert servers_using(data_dir) == []
    assert report["database"]["ENGINE"] == "pocportal.embedded_backend"
    assert (report["database"]["HOST"], report["database"]["PORT"]) == ("", "")

    # A postmaster.pid left by a server that is gone (after a reboot) is not taken for a running one.
    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    _postmaster_pid(data_dir, int(finished.stdout))
    try:
        connected = import_settings(data_dir, "--connect", SECRET_KEY="a-key-for-this-test")

        assert connected["connect"] == [1, "pocportal", str((data_dir / "postgres").resolve())]
        assert servers_using(data_dir), "the cluster keeps running for the next command"
        again = import_settings(data_dir, "--connect", SECRET_KEY="a-key-for-this-test")
        assert again["connect"] == connected["connect"]
    finally:
        stopped = stop_cluster(data_dir)
    assert stopped.returncode == 0, stopped.stderr
    assert "Stopped the embedded PostgreSQL" in stopped.stdout
    assert servers_using(data_dir) == []
    assert not (data_dir / "secret_key").exists()


def test_make_stop_stops_only_the_embedded_postgres(data_dir):
    """``make stop`` says what it did: nothing runs in an empty data folder; a DATABASE_URL server is not ours."""
    environment = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    environment["DATA_DIR"] = str(data_dir)
    idle = subprocess.run(["make", "-s", "stop"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)
    assert idle.returncode == 0, idle.stderr
    assert "No embedded PostgreSQL runs under" in idle.stdout
    external = subprocess.run(
        ["make", "-s", "stop"], cwd=ROOT, env={**environment, "DATABASE_URL": "postgres://elsewhere/db"},
        capture_output=True, text=True, timeout=60,
    )
    assert external.returncode == 0 and "nothing to stop" in external.stdout


def test_without_secret_key_settings_make_a_process_key_write_nothing_and_check_warns(data_dir):
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SECRET_KEY"}}
    environment.update({"DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "pocportal.settings"})
    script = "import pocportal.settings as s; print(s.SECRET_KEY_EPHEMERAL, len(s.SECRET_KEY))"
    imported = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.split() == ["True", "86"]
    assert list(data_dir.iterdir()) == []

    checked = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert "core.W001" in checked.stderr and "SECRET_KEY is not set" in checked.stderr
    assert "make run" in checked.stderr
    assert list(data_dir.iterdir()) == []


def test_the_key_file_prepared_by_make_run_is_read(data_dir):
    (data_dir / "secret_key").write_text("key-from-the-file\n")
    script = "import pocportal.settings as s; print(s.SECRET_KEY)"
    environment = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SECRET_KEY"}}
    environment["DATA_DIR"] = str(data_dir)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.strip() == "key-from-the-file", result.stderr
    assert sorted(path.name for path in data_dir.iterdir()) == ["secret_key"]


SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:p%40ss@mail.example.com",
            {
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 25,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "p@ss",
                "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": False,
            },
        ),
        (
            "smtp+tls://mailer:secret@mail.example.com",
            {
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 587,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "secret",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        (
            "submission://mail.example.com:2525",
            {
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 2525,
                "EMAIL_HOST_USER": "",
                "EMAIL_HOST_PASSWORD": "",
                "EMAIL_USE_TLS": True,
                "EMAIL_USE_SSL": False,
            },
        ),
        (
            "smtps://mailer:secret@mail.example.com",
            {
                "EMAIL_HOST": "mail.example.com",
                "EMAIL_PORT": 465,
                "EMAIL_HOST_USER": "mailer",
                "EMAIL_HOST_PASSWORD": "secret",
                "EMAIL_USE_TLS": False,
                "EMAIL_USE_SSL": True,
            },
        ),
        (
            "smtps://mail.example.com:4465?timeout=7",
            {"EMAIL_PORT": 4465, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": True, "EMAIL_TIMEOUT": 7},
        ),
    ],
)
def test_email_url_forms_set_the_smtp_settings(data_dir, url, expected):
    report = import_settings(data_dir, SECRET_KEY="k", EMAIL_URL=url)

    assert report["EMAIL_BACKEND"] == SMTP
    assert {name: report[name] for name in expected} == expected


def test_without_email_url_mail_goes_to_the_console(data_dir):
    assert (
        import_settings(data_dir, SECRET_KEY="k")["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    )


def test_an_unknown_email_url_scheme_is_refused(data_dir):
    report = import_settings(data_dir, SECRET_KEY="k", EMAIL_URL="ftp://mail.example.com")

    assert "EMAIL_URL must start with smtp://" in report["import_error"]
