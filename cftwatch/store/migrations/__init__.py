"""Alembic migrations of the operational store (run by `OperationalStore.migrate()`)."""
