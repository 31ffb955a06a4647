from __future__ import annotations

import pyarrow as pa
import pytest

from cftwatch import schema as cs
from cftwatch.errors import ConfigError, WorkspaceError
from cftwatch.workspace import CONFIG_NAME, Workspace


def test_init_creates_store_and_config(tmp_path):
    ws = Workspace.init(tmp_path / "w")
    try:
        assert (tmp_path / "w" / CONFIG_NAME).is_file()
        assert ws.analytical_path.is_file()
        counts = ws.table_counts()
        assert set(cs.ALL_TABLES) <= set(counts)
        assert all(counts[t] == 0 for t in cs.ALL_TABLES)
        cols = [r[0] for r in ws.con.execute("DESCRIBE transactions").fetchall()]
        assert cols == cs.column_names(cs.TRANSACTIONS)
    finally:
        ws.close()


def test_open_missing_workspace_names_the_fix(tmp_path):
    with pytest.raises(WorkspaceError, match="cftwatch init"):
        Workspace.open(tmp_path / "nope")


def test_bad_config_is_reported_by_field(tmp_path):
    Workspace.init(tmp_path / "w").close()
    (tmp_path / "w" / CONFIG_NAME).write_text("engine: oracle\nduckdb: {threads: 0}\n")
    with pytest.raises(ConfigError) as err:
        Workspace.open(tmp_path / "w")
    fields = {p.field for p in err.value.problems}
    assert fields == {"engine", "duckdb.threads"}


def test_atomic_rolls_back_on_error(workspace):
    row = pa.table(
        {
            "load_id": ["L1"],
            "source_format": ["x"],
            "file": ["f"],
            "sha256": ["h"],
            "rows": [1],
            "labels": [0],
            "rejects": [0],
            "loaded_at": pa.array([0], pa.timestamp("us", tz="UTC")),
        }
    )
    with pytest.raises(RuntimeError), workspace.atomic() as tx:
        tx.append("loads", row)
        raise RuntimeError("interrupted")
    assert workspace.table_counts()["loads"] == 0
    with workspace.atomic() as tx:
        tx.append("loads", row)
    assert workspace.table_counts()["loads"] == 1


def test_conform_reports_missing_required_column():
    with pytest.raises(ValueError, match="txn_id"):
        cs.conform(pa.table({"amount": [1]}), cs.TRANSACTIONS)
