"""Database backend for a process with neither ``DATABASE_URL`` nor a running embedded PostgreSQL.

Settings select it instead of failing at import, so commands that need no database (``check``,
``collectstatic``, ``makemigrations --check``) still run; the first query, connection or test
database set-up raises :class:`DatabaseNotReady` saying how to get a database.
"""

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.dummy import base as dummy
from django.db.utils import OperationalError


class DatabaseNotReady(ImproperlyConfigured, OperationalError):
    """No database: also an ``OperationalError``, which ``makemigrations --check`` reports as a warning."""


def complain(*args, **kwargs):
    from django.conf import settings

    raise DatabaseNotReady(
        "No database: DATABASE_URL is not set and the embedded PostgreSQL under "
        f"{settings.DATA_DIR / 'postgres'} is not running. Run `make run` (or "
        "`.venv/bin/python -m pocportal.embedded_db start`) to start it, or set DATABASE_URL."
    )


class DatabaseOperations(dummy.DatabaseOperations):
    quote_name = complain


class DatabaseClient(dummy.DatabaseClient):
    runshell = complain


class DatabaseCreation(dummy.DatabaseCreation):
    create_test_db = complain


class DatabaseIntrospection(dummy.DatabaseIntrospection):
    get_table_list = complain
    get_table_description = complain
    get_relations = complain
    get_indexes = complain


class DatabaseWrapper(dummy.DatabaseWrapper):
    _cursor = complain
    ensure_connection = complain
    _commit = complain
    _savepoint_commit = complain
    _set_autocommit = complain
    client_class = DatabaseClient
    creation_class = DatabaseCreation
    introspection_class = DatabaseIntrospection
    ops_class = DatabaseOperations
