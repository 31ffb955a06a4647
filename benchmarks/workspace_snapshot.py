"""What the single-writer snapshot costs: the extra time a writer spends closing (copying
the store to `analytics.snapshot.duckdb`) by store size, against closing with
`duckdb.snapshot: false`; and how long a read-only open takes during a write.

    PYTHONPATH=. python benchmarks/workspace_snapshot.py [--rows 1000000 5000000]

Each size: a fresh workspace with a transactions-like table of `rows` rows; each run
inserts one row and closes. Prints medians of 3 runs.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from cftwatch.workspace import ANALYTICAL_NAME, CONFIG_NAME, Workspace

FILL = """CREATE TABLE bench AS SELECT range AS id, 'acct-' || (range % 500000) AS debtor,
 'acct-' || ((range * 7919) % 500000) AS creditor, (random() * 100000)::DECIMAL(24, 8) AS amount,
 TIMESTAMP '2025-01-01' + to_seconds(range % 3888000) AS ts FROM range(?)"""


def _set_snapshot(root: Path, on: bool) -> None:
    path = root / CONFIG_NAME
    config = yaml.safe_load(path.read_text(encoding="utf-8"))
    config["duckdb"]["snapshot"] = on
    path.write_text(yaml.safe_dump(config), encoding="utf-8")


def _close_seconds(root: Path, on: bool) -> float:
    _set_snapshot(root, on)
    ws = Workspace.open(root)
    ws.execute("INSERT INTO bench SELECT id + 1, debtor, creditor, amount, ts FROM bench LIMIT 1")
    start = time.perf_counter()
    ws.close()
    return time.perf_counter() - start


def _reader_open_seconds(root: Path) -> float:
    start = time.perf_counter()
    with Workspace.open(root, read_only=True) as ws:
        ws.scalar("SELECT count(*) FROM bench")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    args = parser.parse_args()
    for rows in args.rows:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "ws"
            with Workspace.init(root) as ws:
                ws.execute(FILL, [rows])
            size = (root / ANALYTICAL_NAME).stat().st_size / 2**20
            off = statistics.median(_close_seconds(root, False) for _ in range(3))
            on = statistics.median(_close_seconds(root, True) for _ in range(3))
            read = statistics.median(_reader_open_seconds(root) for _ in range(3))
            print(
                f"rows {rows:,}  store {size:,.0f} MiB  close without snapshot {off:.3f} s"
                f"  with snapshot {on:.3f} s  read-only open+count {read:.3f} s"
            )


if __name__ == "__main__":
    main()
