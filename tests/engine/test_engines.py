from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pyarrow as pa

from cftwatch import schema as cs


def _txns() -> pa.Table:
    ts = [dt.datetime(2025, 1, d, tzinfo=dt.UTC) for d in (1, 2, 3)]
    return cs.conform(
        pa.table(
            {
                "txn_id": ["t1", "t2", "t3"],
                "ts": pa.array(ts, cs.TIMESTAMP_TYPE),
                "amount": pa.array(
                    [Decimal("10.5"), Decimal("20"), Decimal("0.00000001")], cs.AMOUNT_TYPE
                ),
                "currency": ["PKR", "PKR", "BTC"],
                "debtor_account": ["a", "a", "b"],
                "source_format": ["test"] * 3,
                "source_ref": ["x:1", "x:2", "x:3"],
                "load_id": ["L"] * 3,
            }
        ),
        cs.TRANSACTIONS,
    )


def test_same_expression_same_rows_on_every_engine(workspace, engine_name):
    workspace.append("transactions", _txns())
    eng = workspace.engine(engine_name)
    t = eng.table("transactions")
    expr = (
        t.group_by("debtor_account")
        .aggregate(n=t.txn_id.count(), total=t.amount.sum(), last=t.ts.max())
        .order_by("debtor_account")
    )
    out = eng.to_arrow(expr).to_pylist()
    assert [r["debtor_account"] for r in out] == ["a", "b"]
    assert [r["n"] for r in out] == [2, 1]
    assert Decimal(out[0]["total"]) == Decimal("30.5")
    assert out[0]["last"].replace(tzinfo=dt.UTC) == dt.datetime(2025, 1, 2, tzinfo=dt.UTC)


def test_spark_engine_is_lazy():
    import sys

    import cftwatch.engine  # noqa: F401

    assert "cftwatch.engine.spark" not in sys.modules or "pyspark" in sys.modules
