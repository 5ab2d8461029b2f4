"""PostgreSQL backend for the embedded cluster under ``DATA_DIR/postgres``, started on the first connection.

Settings select it when ``DATABASE_URL`` is unset, with the cluster's address left empty: importing
settings, and commands that never connect (``check``, ``collectstatic``), start nothing. The first
connection a process opens (a query, ``migrate``, ``runserver``'s first request, the test database set-up)
starts the cluster, or finds it running, through :func:`pocportal.embedded_db.start`, once per process,
then fills ``HOST`` and ``PORT`` in and connects as the PostgreSQL backend does. The cluster keeps
running after the process exits, so the next command reuses it; ``python -m pocportal.embedded_db stop``
stops it.
"""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from django.db.backends.postgresql import base, client
from django.db.utils import OperationalError

from pocportal import embedded_db

_lock = threading.Lock()
_addresses: dict[Path, tuple[str, str]] = {}


def cluster_address(data_dir: Path) -> tuple[str, str]:
    """``(HOST, PORT)`` of the embedded cluster under ``data_dir``, started on the first call of the process."""
    with _lock:
        if data_dir not in _addresses:
            try:
                started = embedded_db.start(data_dir)
            except (OSError, subprocess.SubprocessError) as error:
                raise OperationalError(
                    f"Could not start the embedded PostgreSQL under {data_dir / embedded_db.CLUSTER_DIR} "
                    f"(its log: {data_dir / embedded_db.CLUSTER_DIR / 'log'}): {str(error).rstrip('.')}. "
                    "Set DATABASE_URL to use another PostgreSQL server."
                ) from error
            _addresses[data_dir] = (started["HOST"], started["PORT"])
        return _addresses[data_dir]


class DatabaseClient(client.DatabaseClient):
    """``manage.py dbshell``: starts the cluster first, since ``psql`` needs its address."""

    def runshell(self, parameters):
        self.connection.locate_cluster()
        super().runshell(parameters)


class DatabaseWrapper(base.DatabaseWrapper):
    client_class = DatabaseClient

    def locate_cluster(self) -> None:
        """Fill ``HOST`` and ``PORT`` in with the cluster's address, starting it if this process has not yet."""
        if not self.settings_dict["HOST"]:
            data_dir = Path(self.settings_dict["DATA_DIR"])
            self.settings_dict["HOST"], self.settings_dict["PORT"] = cluster_address(data_dir)

    def get_connection_params(self):
        self.locate_cluster()
        return super().get_connection_params()
