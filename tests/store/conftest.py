"""Store fixtures: every store test runs on SQLite and, when CFTWATCH_TEST_PG_URL is set,
on PostgreSQL too, each test in a fresh schema that is dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from cftwatch.store import OperationalStore

PG_URL_ENV = "CFTWATCH_TEST_PG_URL"
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _pg_base_url() -> str | None:
    url = os.environ.get(PG_URL_ENV) or None
    if url is None and os.environ.get("CFTWATCH_REQUIRE_PG") == "1":
        pytest.fail(f"CFTWATCH_REQUIRE_PG=1 but {PG_URL_ENV} is not set")
    return url


@pytest.fixture(params=BACKENDS)
def store_url(request, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
        return
    base = _pg_base_url()
    if base is None:
        pytest.skip(f"{PG_URL_ENV} not set (CI sets it; see .ci/run)")
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if os.environ.get("CFTWATCH_REQUIRE_PG") == "1":
            pytest.fail("CFTWATCH_REQUIRE_PG=1 but psycopg is not installed")
        pytest.skip("psycopg not installed: pip install 'cftwatch[postgres]'")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def store(store_url: str) -> Iterator[OperationalStore]:
    """A migrated, empty operational store."""
    s = OperationalStore(store_url)
    s.migrate()
    yield s
    s.close()
