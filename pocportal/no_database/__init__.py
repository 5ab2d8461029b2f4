"""Database backend used when no database is configured: every use raises ``DatabaseNotReady``."""
