from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from cftwatch.workspace import Workspace

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ingest"
GOLDEN = FIXTURES / "golden"
PAYSIM_START = "2026-03-01T00:00:00+05:00"


def canonical_rows(ws: Workspace, table: str = "transactions") -> list[dict]:
    """Rows as JSON-able dicts, without the per-run load id, ordered by id."""
    order = "txn_id" if table == "transactions" else "txn_id, label"
    cur = ws.con.execute(f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY {order}")
    names = [d[0] for d in cur.description]
    out = []
    for row in cur.fetchall():
        rec = {}
        for k, v in zip(names, row, strict=True):
            if isinstance(v, Decimal):
                v = format(v.normalize(), "f")
            elif hasattr(v, "isoformat"):
                v = v.isoformat()
            rec[k] = v
        out.append(rec)
    return out


def check_golden(name: str, rows: list[dict]) -> None:
    """Compare with tests/fixtures/ingest/golden/NAME.jsonl (CFTWATCH_REGEN_GOLDEN=1 rewrites)."""
    path = GOLDEN / f"{name}.jsonl"
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    if os.environ.get("CFTWATCH_REGEN_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    expected = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [json.loads(line) for line in text.splitlines()] == expected


def snapshot(ws: Workspace) -> dict:
    """Every table's row count and content, to prove a failed load changed nothing."""
    counts = ws.table_counts()
    content = {
        t: sorted(map(repr, ws.con.execute(f'SELECT * FROM "{t}"').fetchall())) for t in counts
    }
    return {"counts": counts, "content": content}


@pytest.fixture
def fx() -> Path:
    return FIXTURES
