"""Exposure speed on a random heavy-tailed payment graph (DuckDB by default).

    python benchmarks/network_exposure.py --accounts 100000 --txns 500000 [--runs 3]

Prints the median wall and CPU (user+sys, all threads) seconds of `runs` runs and the
peak RSS. Data: cftwatch-made (random),
for speed only, never for quality."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from cftwatch.network.exposure import exposure, listed_seeds
from cftwatch.workspace import Workspace


def _edges(n_acc: int, n_txn: int, days: int, rng: np.random.Generator) -> pa.Table:
    w = 1 / np.arange(1, n_acc + 1) ** 0.8  # heavy-tailed activity
    w /= w.sum()
    src = rng.choice(n_acc, n_txn, p=w)
    dst = rng.choice(n_acc, n_txn, p=w)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    t0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    ts_s = np.sort(rng.integers(t0, t0 + days * 86_400, src.size))
    amt = np.round(rng.lognormal(8, 1.2, src.size), 2)
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
