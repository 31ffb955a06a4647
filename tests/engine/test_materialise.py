"""`materialise`: a step of an iterative algorithm stored now, on DuckDB and Spark alike."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa

from cftwatch.engine import is_empty, materialise


def _data(values: list[str]) -> pa.Table:
    return pa.table(
        {
            "k": pa.array(["a", "b", "c"][: len(values)]),
            "amount": pa.array([Decimal(v) for v in values], pa.decimal128(24, 8)),
        }
    )


def test_stored_rows_keep_the_expression_s_columns_and_types(workspace, engine_name):
    eng = workspace.engine(engine_name)
    t = eng.register("m_src", _data(["1.5", "2", "3"]))
    expr = t.mutate(total=(t.amount + t.amount).cast(t.amount.type())).filter(t.k != "b")
    stored = eng.materialise(expr)
    assert stored.schema() == expr.schema()  # a wider decimal would break later unions
    got = sorted(eng.to_arrow(stored).to_pylist(), key=lambda r: r["k"])
    assert [(r["k"], Decimal(r["total"])) for r in got] == [("a", Decimal(3)), ("c", Decimal(6))]
    assert eng.to_arrow(stored.union(expr)).num_rows == 4


def test_stored_rows_do_not_follow_later_changes_of_their_source(workspace, engine_name):
    eng = workspace.engine(engine_name)
    t = eng.register("m_src2", _data(["1", "2"]))
    lazy = t.filter(t.amount > 0)
    first = materialise(lazy)
    second = materialise(lazy.filter(lazy.k == "a"))  # a fresh name: the first is kept
    eng.register("m_src2", _data(["5", "6", "7"]))  # the view/table now holds other rows
    assert sorted(r["k"] for r in eng.to_arrow(first).to_pylist()) == ["a", "b"]
    assert [r["k"] for r in eng.to_arrow(second).to_pylist()] == ["a"]


def test_is_empty(workspace, engine_name):
    eng = workspace.engine(engine_name)
    t = materialise(eng.register("m_src3", _data(["1"])))
    assert not is_empty(t)
    assert is_empty(t.filter(t.k == "z"))
