"""Tables shared by the rules of one run (`standing.shared`): computed once per input inside
`shared_tables()`, lazy outside, dropped at the end; the pair counts they hold."""

from __future__ import annotations

import duckdb
import ibis
import pytest

from cftwatch.monitoring.standing import (
    pair_counts,
    release_shared,
    shared,
    shared_tables,
)


@pytest.fixture
def txns() -> ibis.Table:
    con = duckdb.connect()
    backend = ibis.duckdb.from_connection(con)
    data = ibis.memtable(
        {
            "txn_id": ["t1", "t2", "t3", "t4", "t5"],
            "debtor_account": ["A", "A", "B", None, "C"],
            "creditor_account": ["B", "B", "C", "C", "C"],
        }
    )
    return backend.create_table("tx", data)


def _temp(t: ibis.Table) -> set[str]:
    rows = (
        ibis.get_backend(t)
        .raw_sql("SELECT table_name FROM duckdb_tables() WHERE temporary")
        .fetchall()
    )
    return {r[0] for r in rows}


def test_pair_counts_counts_payments_between_two_different_accounts(txns: ibis.Table) -> None:
    got = pair_counts(txns).to_pyarrow().to_pylist()
    pairs = {(r["debtor_account"], r["creditor_account"]): r["_pn"] for r in got}
    assert pairs == {("A", "B"): 2, ("B", "C"): 1}  # no null payer, no self-payment


def test_shared_outside_a_block_is_the_lazy_expression(txns: ibis.Table) -> None:
    before = _temp(txns)
    t = shared("pairs", txns, pair_counts)
    assert _temp(txns) == before
    assert t.count().to_pyarrow().as_py() == 2


def test_shared_inside_a_block_is_stored_once_per_input_and_dropped(txns: ibis.Table) -> None:
    calls: list[int] = []

    def build(t: ibis.Table) -> ibis.Table:
        calls.append(1)
        return pair_counts(t)

    before = _temp(txns)
    with shared_tables():
        a = shared("pairs", txns, build)
        b = shared("pairs", txns, build)
        c = shared("pairs", txns.filter(txns.txn_id != "t1"), build)  # another input
        assert len(calls) == 2
        assert a.equals(b)
        assert len(_temp(txns) - before) == 2
        assert {r["_pn"] for r in c.to_pyarrow().to_pylist()} == {1}
    assert _temp(txns) == before


def test_a_callers_store_outlives_the_block_until_released(txns: ibis.Table) -> None:
    store: dict = {}
    before = _temp(txns)
    with shared_tables(store):
        shared("pairs", txns, pair_counts)
    with shared_tables(store):
        t = shared("pairs", txns, pair_counts)  # reused, not stored again
    assert len(_temp(txns) - before) == 1
    assert t.count().to_pyarrow().as_py() == 2
    release_shared(store)
    assert _temp(txns) == before and not store
