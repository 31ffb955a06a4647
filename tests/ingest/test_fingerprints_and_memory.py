"""Content fingerprints keep their stored values; streaming loads run under a bounded DuckDB
memory limit, restored afterwards, and leave no intermediate files."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cftwatch.errors import InputError
from cftwatch.ingest import SAMPLE_FILES, ingest_files, mojaloop
from cftwatch.ingest._core import FINGERPRINT_COLUMNS, FINGERPRINTS_TABLE, SCRATCH_NAME
from cftwatch.workspace import Workspace
from tests.ingest.conftest import canonical_rows, check_golden, snapshot

STORED = {
    "amlworld.csv:10": "e4e8321ba022b2e0253e08f1808449afc516e043f6be9866b57cbd109d0838cd:1",
    "amlworld.csv:11": "ff3b079251bf350f2fcd02fc909cdcf8bf624b10441a48a280800c5873dc5ec2:1",
}
"""Fingerprints of the sample AMLworld file as the first fingerprinting version (b4fefa8)
stored them: a workspace loaded by it must still recognise a re-saved copy."""


def _text(value: object) -> str:
    """The canonical text of one typed field, as the fingerprint documents it."""
    if value is None:
        return "\x01"
    if isinstance(value, Decimal):
        return f"{value:.8f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") + "+00"
    return str(value)


def _fingerprints(ws) -> dict[str, str]:
    rows = ws.query(
        f"SELECT t.source_ref, f.fingerprint FROM {FINGERPRINTS_TABLE} f "
        "JOIN transactions t USING (txn_id)"
    )
    return dict(rows)


def test_fingerprints_match_the_stored_values(workspace):
    ingest_files(workspace, "amlworld", SAMPLE_FILES["amlworld"])
    found = _fingerprints(workspace)
    assert {k: found[k] for k in STORED} == STORED
    cols = ", ".join(FINGERPRINT_COLUMNS)
    (row,) = workspace.query(
        f"SELECT {cols} FROM transactions WHERE source_ref = 'amlworld.csv:10'"
    )
    digest = hashlib.sha256("\x1f".join(_text(v) for v in row).encode()).hexdigest()
    assert found["amlworld.csv:10"] == digest + ":1"


def test_identical_records_stay_distinct_and_a_resaved_copy_adds_nothing(workspace, tmp_path):
    lines = SAMPLE_FILES["amlworld"][0].read_text(encoding="utf-8").splitlines()
    doubled = tmp_path / "doubled.csv"
    doubled.write_text("\n".join([*lines, lines[1], lines[1], lines[2]]) + "\n", encoding="utf-8")
    first = ingest_files(workspace, "amlworld", [doubled])
    assert first.rows == len(lines) - 1 + 3
    fps = _fingerprints(workspace)
    assert len(set(fps.values())) == len(fps)  # three copies of line 2 -> :1, :2, :3
    assert {v.rsplit(":", 1)[1] for v in fps.values()} == {"1", "2", "3"}
    resaved = tmp_path / "resaved.csv"
    resaved.write_bytes(doubled.read_bytes().replace(b"\n", b"\r\n"))
    again = ingest_files(workspace, "amlworld", [resaved])
    assert (again.rows, again.duplicates) == (0, first.rows)
    # a fourth copy of line 2 is new: only its occurrence number is unseen
    more = tmp_path / "more.csv"
    more.write_text("\n".join([*lines, lines[1], lines[1], lines[2], lines[1]]) + "\n")
    assert ingest_files(workspace, "amlworld", [more]).rows == 1


def _memory_limit(ws) -> str:
    """The DuckDB memory limit and thread count now in force."""
    return ws.scalar("SELECT current_setting('memory_limit') || '/' || current_setting('threads')")


def test_mojaloop_load_restores_the_memory_limit_and_leaves_no_files(workspace, fx):
    before = _memory_limit(workspace)
    result = ingest_files(workspace, "mojaloop", [fx / "mojaloop.jsonl"])
    assert result.rows > 0
    assert _memory_limit(workspace) == before
    assert list((workspace.path / SCRATCH_NAME).iterdir()) == []


def test_failed_mojaloop_load_changes_nothing_and_restores_the_limit(workspace, fx):
    ingest_files(workspace, "amlworld", SAMPLE_FILES["amlworld"])
    before, limit = snapshot(workspace), _memory_limit(workspace)
    with pytest.raises(InputError):
        ingest_files(workspace, "mojaloop", [fx / "bad" / "mojaloop_bad.jsonl"])
    assert snapshot(workspace) == before
    assert _memory_limit(workspace) == limit
    assert list((workspace.path / SCRATCH_NAME).iterdir()) == []


def test_memory_limit_block_outside_a_transaction(workspace):
    configured = _memory_limit(workspace)
    with workspace.memory_limit("64MB"):
        assert _memory_limit(workspace) != configured
    assert _memory_limit(workspace) == configured
    with workspace.memory_limit("1TB"):  # above the configured limit: unchanged
        assert _memory_limit(workspace) == configured


def test_mojaloop_load_never_imports_pandas(tmp_path, fx):
    """Its first `pa.array` call would import pandas: +50 MB of peak RSS (issue 16 row 17)."""
    code = (
        "import sys; from cftwatch.workspace import Workspace; "
        "from cftwatch.ingest import ingest_files; "
        "ws = Workspace.init(sys.argv[1]); "
        "r = ingest_files(ws, 'mojaloop', [sys.argv[2]]); "
        "print(r.rows, 'pandas' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "ws"), str(fx / "mojaloop.jsonl")],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(root)},
    ).stdout.split()
    assert int(out[-2]) > 0
    assert out[-1] == "False"


def _staged_in_parts(ws, monkeypatch, stage_rows: int) -> list[str]:
    """Stage Mojaloop transfers `stage_rows` at a time; the stage statements run."""
    monkeypatch.setattr(mojaloop, "STAGE_ROWS", stage_rows)
    seen: list[str] = []
    execute = ws.execute

    def spy(sql, params=None):
        if " _ingest_stage " in sql and "SELECT * FROM" in sql:
            seen.append(sql.split(" _ingest_stage")[0])
        return execute(sql, params)

    monkeypatch.setattr(ws, "execute", spy)
    return seen


def test_mojaloop_stage_in_parts_gives_the_golden_rows(workspace, fx, monkeypatch):
    seen = _staged_in_parts(workspace, monkeypatch, 1)
    result = ingest_files(workspace, "mojaloop", [fx / "mojaloop.jsonl"])
    assert seen[0] == "CREATE OR REPLACE TEMP TABLE" and len(seen) == result.rows > 1
    assert set(seen[1:]) == {"INSERT INTO"}
    check_golden("mojaloop", canonical_rows(workspace))


def test_mojaloop_stage_in_parts_rejects_the_same_records(workspace, fx, tmp_path, monkeypatch):
    bad = fx / "bad" / "mojaloop_bad.jsonl"
    whole = Workspace.init(tmp_path / "whole")
    ingest_files(whole, "mojaloop", [bad], on_error="skip")
    seen = _staged_in_parts(workspace, monkeypatch, 2)
    ingest_files(workspace, "mojaloop", [bad], on_error="skip")
    assert len(seen) > 1
    sql = "SELECT * EXCLUDE (load_id, rejected_at) FROM rejects ORDER BY record"
    assert workspace.query(sql) == whole.query(sql) != []
    assert canonical_rows(workspace) == canonical_rows(whole) != []
