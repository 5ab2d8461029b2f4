"""Database backend used when ``DATABASE_URL`` is unset: the embedded PostgreSQL, started on first use."""
