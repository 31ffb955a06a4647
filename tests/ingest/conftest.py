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
    out = []
    for row in ws.query_dicts(f"SELECT * EXCLUDE (load_id) FROM {table} ORDER BY {order}"):
        rec = {}
        for k, v in row.items():
            if isinstance(v, Decimal):
                v = format(v.normalize(), "f")
            elif hasattr(v, "isoformat"):
                v = v.isoformat()
            rec[k] = v
        out.append(rec)
    return out


def check_golden(name: str, rows: list[dict]) -> None:
    """Compare with tests/fixtures/ingest/golden/NAME.jsonl; never rewrites it here.

    To regenerate, run with CFTWATCH_REGEN_GOLDEN=1: the file is written and the test FAILS,
    so a regenerated golden is always reviewed (git diff) and the next run compares."""
    path = GOLDEN / f"{name}.jsonl"
    text = "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
    if os.environ.get("CFTWATCH_REGEN_GOLDEN") == "1":
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        pytest.fail(f"golden {path.name} regenerated; review it and run again without the env var")
    expected = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert [json.loads(line) for line in text.splitlines()] == expected


def snapshot(ws: Workspace) -> dict:
    """Every table's row count and content, to prove a failed load changed nothing."""
    counts = ws.table_counts()
    content = {t: sorted(map(repr, ws.query(f'SELECT * FROM "{t}"'))) for t in counts}
    return {"counts": counts, "content": content}


@pytest.fixture
def fx() -> Path:
    return FIXTURES
