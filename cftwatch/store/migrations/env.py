"""Alembic environment: runs on the connection `OperationalStore.migrate()` hands over
(`config.attributes["connection"]`), or on `sqlalchemy.url` when run by the alembic CLI."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from cftwatch.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite needs table rebuilds for ALTER
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
    with engine.begin() as conn:
        _run(conn)
    engine.dispose()
