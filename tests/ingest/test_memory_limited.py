"""`memory_limited`: DuckDB's memory_limit lowered for a block, then the workspace's again
(also after an error), and only sizes are ever inlined into the SET statement."""

from __future__ import annotations

from pathlib import Path

import pytest

from cftwatch.ingest._core import memory_limited
from cftwatch.workspace import Workspace


def _limit(ws: Workspace) -> str:
    return str(ws.scalar("SELECT current_setting('memory_limit')"))


def test_limit_applies_in_the_block_and_is_restored(tmp_path: Path):
    with Workspace.init(tmp_path / "ws") as ws:
        before = _limit(ws)
        with memory_limited(ws, "100MB"):
            assert _limit(ws) != before and "MiB" in _limit(ws)
        assert _limit(ws) == before
        with pytest.raises(RuntimeError), memory_limited(ws, "100MB"):
            raise RuntimeError("boom")
        assert _limit(ws) == before
        with memory_limited(ws, None):
            assert _limit(ws) == before


def test_anything_but_a_size_is_refused(tmp_path: Path):
    with Workspace.init(tmp_path / "ws") as ws:
        before = _limit(ws)
        with pytest.raises(ValueError), memory_limited(ws, "1GB'; DROP TABLE loads; --"):
            pass
        assert _limit(ws) == before
