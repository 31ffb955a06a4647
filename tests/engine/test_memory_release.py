"""The engine's memory bounds for a monitoring run: a lower DuckDB limit for the block,
and the tables `materialise` stored for one rule dropped after it."""

from __future__ import annotations

import duckdb
import ibis

from cftwatch.engine import materialising
from cftwatch.engine.duckdb import DuckDBEngine, _bytes


def _limit(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    assert row is not None
    value = _bytes(str(row[0]))
    assert value is not None
    return value


def test_bounded_memory_lowers_the_limit_and_restores_the_configured_one() -> None:
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    eng = DuckDBEngine(con, memory_limit="2GB")
    before = _limit(con)
    with eng.bounded_memory(0.5):
        inside = _limit(con)
    assert 0.45 * 2e9 < inside < 0.55 * 2e9
    assert _limit(con) == before


def test_bounded_memory_without_a_configured_limit_changes_nothing() -> None:
    con = duckdb.connect()
    con.execute("SET memory_limit = '1GB'")
    before = _limit(con)
    with DuckDBEngine(con).bounded_memory(0.5):
        assert _limit(con) == before
    with DuckDBEngine(con, memory_limit="1GB").bounded_memory(1.0):  # no share: no change
        assert _limit(con) == before


def test_sizes_in_bytes() -> None:
    assert _bytes("4GB") == 4 * 10**9
    assert _bytes("3.7 GiB") == int(3.7 * 2**30)
    assert _bytes("96MiB") == 96 * 2**20
    assert _bytes("lots") is None


def _temp_tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE temporary").fetchall()
    return {r[0] for r in rows}


def test_drop_since_drops_only_the_fresh_tables_stored_after_the_mark() -> None:
    con = duckdb.connect()
    backend = ibis.duckdb.from_connection(con)
    t = ibis.memtable({"x": [1, 2, 3]})
    kept = materialising.materialise(backend.create_table("src", t).filter(lambda s: s.x > 0))
    named = materialising.materialise(kept.filter(kept.x > 1), name="caller_named")
    position = materialising.mark()
    a = materialising.materialise(kept.filter(kept.x > 1))
    b = materialising.materialise(a.filter(a.x > 2))
    assert b.count().to_pyarrow().as_py() == 1
    stored = _temp_tables(con)
    materialising.drop_since(position)
    left = _temp_tables(con)

    def name(x: ibis.Table) -> str:
        return x.get_name().rsplit(".", 1)[-1]

    assert name(kept) in left and "caller_named" in left
    assert name(a) in stored and name(a) not in left
    assert name(b) in stored and name(b) not in left
    assert named.count().to_pyarrow().as_py() == 2
    materialising.drop_since(position)  # nothing more to drop: no error
