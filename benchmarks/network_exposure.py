"""Exposure speed on a random heavy-tailed payment graph (DuckDB by default).

    python benchmarks/network_exposure.py --accounts 100000 --txns 500000 [--runs 3]

Prints the median wall and CPU (user+sys, all threads) seconds of `runs` runs and the
peak RSS. Data: cftwatch-made (random),
for speed only, never for quality."""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent))

from network_features import heavy_tailed_payments

from cftwatch.network.exposure import exposure, listed_seeds
from cftwatch.workspace import Workspace


def _edges(n_acc: int, n_txn: int, days: int, rng: np.random.Generator) -> pa.Table:
    src, dst, ts_s, amt = heavy_tailed_payments(n_acc, n_txn, days, rng)
    return pa.table(
        {
            "txn_id": pa.array([f"T{i}" for i in range(src.size)]),
            "ts_s": pa.array(ts_s, pa.int64()),
            "amt": pa.array(amt),
            "src": pa.array([f"A{i}" for i in src]),
            "dst": pa.array([f"A{i}" for i in dst]),
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--txns", type=int, default=500_000)
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--hops", type=int, default=3)
    ap.add_argument("--rule", default="fifo")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--memory-limit", default="4GB")
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    data = _edges(a.accounts, a.txns, 30, rng)
    seeds = pa.Table.from_pylist(
        listed_seeds([f"A{i}" for i in rng.choice(a.accounts, a.seeds, replace=False)], "bench")
    )
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        ws.con.execute(f"SET memory_limit = '{a.memory_limit}'")
        eng = ws.engine("duckdb")
        edges, seed_t = eng.register("b_edges", data), eng.register("b_seeds", seeds)
        times, cpus, n = [], [], 0
        for _ in range(a.runs):
            t, c = time.perf_counter(), time.process_time()
            n = eng.to_arrow(exposure(edges, seed_t, a.hops, a.rule)).num_rows
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"accounts={a.accounts} txns={data.num_rows} seeds={a.seeds} hops={a.hops} "
        f"rule={a.rule}: {n} accounts reached; median {statistics.median(times):.2f} s "
        f"(runs {', '.join(f'{x:.2f}' for x in times)}); CPU median "
        f"{statistics.median(cpus):.2f} s; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
