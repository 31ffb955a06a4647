"""Blocking ties are broken by row, also where they straddle the shortlist's limit (17H).

Listed names that share the same keys with a query get the same blocking score; which of them
reach the scorer must not depend on how a selection algorithm happens to split ties, nor on
the order the query's keys come in (a set's order follows PYTHONHASHSEED)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa

from cftwatch.screening.index import build_index
from cftwatch.screening.normalize import normalize_name
from tests.screening.conftest import entity

ROOT = Path(__file__).resolve().parents[2]


def _namesakes(n: int) -> pa.Table:
    rows = [entity("un", f"QDi.{i:03d}", ["Muhammad Ali Khan"]) for i in range(n)]
    rows.append(entity("un", "QDi.900", ["Muhammad Ali"]))
    return pa.Table.from_pylist(rows)


def test_ties_straddling_the_limit_keep_the_lowest_rows() -> None:
    index = build_index(_namesakes(12))
    query = normalize_name("Muhammad Ali Khan")
    for limit in (1, 3, 5, 11):
        got = index.candidates(query, limit)
        assert got == list(range(limit))  # twelve equal namesakes: the first rows, in order
    assert index.candidates(query, 50)[:12] == list(range(12))


def test_shortlist_is_the_same_under_every_hash_seed() -> None:
    code = (
        "import pyarrow as pa\n"
        "from cftwatch.screening.index import build_index\n"
        "from cftwatch.screening.normalize import normalize_name\n"
        "from tests.screening.test_blocking_ties import _namesakes\n"
        "index = build_index(_namesakes(40))\n"
        "for q in ('Muhammad Ali Khan', 'Mohamad Aly', 'Ali Khan Muhammad'):\n"
        "    print(index.candidates(normalize_name(q), 7))\n"
    )
    outs = set()
    for seed in ("0", "1", "7"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run(
            [sys.executable, "-c", code], env=env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr
        outs.add(done.stdout)
    assert len(outs) == 1
