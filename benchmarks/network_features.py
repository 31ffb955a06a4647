"""Graph-feature speed on a random heavy-tailed payment graph (DuckDB by default).

    python benchmarks/network_features.py --accounts 100000 --txns 500000 [--runs 3]
        [--windows 1d,7d,30d] [--seeds 50] [--engine duckdb|spark] [--threads N] [--profile]

Times `feature_stream` + payment and account rows written to Parquet by `write_features`
(what `cftwatch network features` does; DuckDB streams them, `COPY ... TO`), prints the median wall and CPU (user+sys, all threads) seconds of
`runs` runs and the peak RSS; `--profile` instead times each feature group materialised on
its own (CPU and wall seconds). Data: cftwatch-made (random), for speed only, never for
quality."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import pyarrow as pa

import cftwatch.network.features as F
from cftwatch.engine import materialise
from cftwatch.network.exposure import listed_seeds
from cftwatch.network.features import feature_stream, parse_windows, write_features
from cftwatch.workspace import Workspace


def heavy_tailed_payments(
    n_acc: int, n_txn: int, days: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(payer, payee, epoch seconds sorted, amount) of about `n_txn` random payments among
    `n_acc` accounts with heavy-tailed activity (no self-payments); the exposure benchmark
    draws its graph here too."""
    w = 1 / np.arange(1, n_acc + 1) ** 0.8
    w /= w.sum()
    src = rng.choice(n_acc, n_txn, p=w)
    dst = rng.choice(n_acc, n_txn, p=w)
    keep = src != dst
    src, dst = src[keep], dst[keep]
    t0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    ts_s = np.sort(rng.integers(t0, t0 + days * 86_400, src.size))
    amt = np.round(rng.lognormal(8, 1.2, src.size), 2)
    return src, dst, ts_s, amt


def random_edges(n_acc: int, n_txn: int, days: int, rng: np.random.Generator) -> pa.Table:
    """An edges table (EDGE_COLUMNS) with heavy-tailed account activity."""
    src, dst, ts_s, amt = heavy_tailed_payments(n_acc, n_txn, days, rng)
    ts = pa.array(ts_s * 1_000_000, pa.int64()).cast(pa.timestamp("us", tz="UTC"))
    return pa.table(
        {
            "txn_id": pa.array([f"T{i}" for i in range(src.size)]),
            "ts": ts,
            "ts_s": pa.array(ts_s, pa.int64()),
            "amount": pa.array([Decimal(str(a)) for a in amt], pa.decimal128(24, 8))
            if src.size <= 200_000
            else pa.array(amt).cast(pa.decimal128(24, 8)),
            "amt": pa.array(amt),
            "currency": pa.array(["PKR"] * src.size),
            "src": pa.array([f"A{i}" for i in src]),
            "dst": pa.array([f"A{i}" for i in dst]),
        }
    )


def profile(edges: Any, seeds: Any, wins: list[tuple[str, int]], cycle_hops: int) -> None:
    """Each feature group materialised on its own, with its CPU and wall seconds."""

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        c, t = time.process_time(), time.perf_counter()
        out = fn()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name:28s} CPU {time.process_time() - c:7.2f} s  wall "
              f"{time.perf_counter() - t:7.2f} s  peak RSS {rss:.0f} MB", flush=True)  # fmt: skip
        return out

    tv = timed("exposure (FIFO taint)", lambda: materialise(F._taint(edges, seeds, 3)))
    sides = timed("payment sides", lambda: materialise(F._side_rows(edges, tv)))
    cyc = timed("cycle membership", lambda: materialise(
        F.cycle_marks(edges, cycle_hops, 30 * F.DAY, False)))  # fmt: skip
    sg = timed("scatter-gather membership", lambda: materialise(
        F.scatter_gather_marks(edges, 30 * F.DAY)))  # fmt: skip
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
    marks = cyc.select("acct", "ts_s", cyc=one, sg=zero).union(
        sg.select("acct", "ts_s", cyc=zero, sg=one), distinct=False
    )
    points = sides.select("acct").distinct().mutate(ts_s=edges.ts_s.max().as_scalar() + 1)
    groups = timed("per-second sums + gap flags", lambda: materialise(
        F._groups(sides, marks, points, wins)))  # fmt: skip
    timed(
        "running sums + maxima", lambda: materialise(F._running(groups, wins, F._packs(wins, True)))
    )
    timed("windows (running + lookups)", lambda: materialise(F._frame_features(groups, wins)))
    timed("exposure distance (hops)", lambda: materialise(F.hop_arrivals(edges, seeds, 3)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--txns", type=int, default=500_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seeds", type=int, default=50)
    ap.add_argument("--windows", default="1d,7d,30d")
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: its default)")
    ap.add_argument("--cycle-hops", type=int, default=4, help="2: leave out the 3-4 hop cycles")
    ap.add_argument("--profile", action="store_true", help="CPU seconds per stage, then exit")
    a = ap.parse_args()
    rng = np.random.default_rng(7)
    data = random_edges(a.accounts, a.txns, a.days, rng)
    picks = rng.choice(a.accounts, a.seeds, replace=False)
    seeds = pa.Table.from_pylist(listed_seeds([f"A{i}" for i in picks], "bench"))
    wins = parse_windows(a.windows)
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        ws.con.execute(f"SET memory_limit = '{a.memory_limit}'")
        if a.threads:
            ws.con.execute(f"SET threads = {int(a.threads)}")
        eng = ws.engine(a.engine)
        edges, seed_t = eng.register("b_edges", data), eng.register("b_seeds", seeds)
        if a.profile:
            profile(edges, seed_t, wins, a.cycle_hops)
            return
        times, cpus, n_tx, n_acc, n_cols = [], [], 0, 0, 0
        for _ in range(a.runs):
            t, c = time.perf_counter(), time.process_time()
            st = materialise(feature_stream(edges, wins, seed_t, cycle_hops=a.cycle_hops))
            n = write_features(st, edges, wins, Path(tmp) / "f.parquet")
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
            n_tx, n_acc, n_cols = n["transactions"], n["accounts"], n["columns"]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"engine={a.engine} accounts={a.accounts} txns={data.num_rows} windows={a.windows} "
        f"cycle_hops={a.cycle_hops}: "
        f"{n_tx} payment rows, {n_acc} account rows, {n_cols} columns; median "
        f"{statistics.median(times):.2f} s (runs {', '.join(f'{x:.2f}' for x in times)}); "
        f"CPU median {statistics.median(cpus):.2f} s; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
