"""`Engine.current_table` sees every row written so far, on every engine (Spark re-exports)."""

from __future__ import annotations

import pyarrow as pa

from cftwatch import schema as cs


def _party(pid: str) -> pa.Table:
    return pa.Table.from_pylist(
        [{"party_id": pid, "name": f"Holder {pid}", "kind": "person"}], schema=cs.PARTIES
    )


def test_current_table_sees_rows_appended_after_a_first_read(workspace, engine_name):
    eng = workspace.engine(engine_name)
    workspace.append("parties", _party("P1"))
    assert eng.to_arrow(eng.current_table("parties").count().as_table()).column(0)[0].as_py() == 1
    workspace.append("parties", _party("P2"))
    ids = eng.to_arrow(eng.current_table("parties").select("party_id")).column(0).to_pylist()
    assert sorted(ids) == ["P1", "P2"]
