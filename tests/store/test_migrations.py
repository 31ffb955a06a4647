from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from cftwatch.errors import ConfigError, DependencyMissing, NotFoundError
from cftwatch.store import OperationalStore, StoreError, head_revision, parse_case_id
from cftwatch.store.models import Base
from cftwatch.store.store import alembic_config
from cftwatch.workspace import Workspace

TABLES = {
    "cases",
    "case_alerts",
    "case_evidence",
    "notes",
    "decisions",
    "match_judgements",
    "audit_log",
    "reports",
}


def test_migrate_from_empty_creates_every_table(store_url: str):
    store = OperationalStore(store_url)
    try:
        assert store.current_revision() is None
        assert store.migrate() == head_revision()
        assert store.migrate() == head_revision()  # idempotent
        names = set(sa.inspect(store.engine).get_table_names())
        assert names >= TABLES | {"alembic_version"}
    finally:
        store.close()


def test_models_and_migrations_agree(store: OperationalStore):
    """The migration builds exactly what the ORM models describe (no drift)."""
    with store.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, Base.metadata)
    assert diff == []


def test_downgrade_to_empty_and_up_again(store: OperationalStore):
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert not TABLES & set(sa.inspect(store.engine).get_table_names())
    store.migrate()
    assert set(sa.inspect(store.engine).get_table_names()) >= TABLES
    store.record_judgement("p", "e", "true_match", "alice", "fp")
    assert len(store.latest_judgements()) == 1


def test_unmigrated_store_says_so(tmp_path: Path):
    store = OperationalStore(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    try:
        with pytest.raises(StoreError, match="migrate"):
            store.latest_judgements()
    finally:
        store.close()


def test_for_workspace_uses_sqlite_in_the_workspace(workspace: Workspace, monkeypatch):
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    store = OperationalStore.for_workspace(workspace)
    try:
        assert store.dialect == "sqlite"
        assert (workspace.path / "store.sqlite").is_file()
        assert store.current_revision() == head_revision()
    finally:
        store.close()


def test_for_workspace_honours_cftwatch_db_url(workspace: Workspace, monkeypatch, tmp_path):
    other = tmp_path / "elsewhere" / "team.sqlite"
    monkeypatch.setenv("CFTWATCH_DB_URL", f"sqlite:///{other}")
    store = OperationalStore.for_workspace(workspace)
    try:
        assert other.is_file()
        assert not (workspace.path / "store.sqlite").exists()
    finally:
        store.close()


def test_bad_urls_are_clear_errors():
    with pytest.raises(ConfigError):
        OperationalStore("not a url")
    with pytest.raises((ConfigError, DependencyMissing)):
        OperationalStore("nosuchdb://x/y")


def test_unreachable_server_is_a_store_error():
    pytest.importorskip("psycopg")
    store = OperationalStore("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        store.migrate()


def test_case_ids_parse_in_every_spelling():
    assert parse_case_id("CASE-000042") == parse_case_id("case-42") == parse_case_id("42") == 42
    with pytest.raises(NotFoundError):
        parse_case_id("C-42x")
