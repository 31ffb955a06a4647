"""Motif enumeration speed on a random heavy-tailed payment graph (DuckDB by default).

    python benchmarks/network_motifs.py --accounts 100000 --txns 1000000 [--runs 3]
        [--only structural_cycles,windowed_scatter_gather,short_cycles] [--engine spark]

Times the order-free motifs with the monitoring rules' defaults (rings of 3-8 accounts in
30 days, at most 20 partial paths per anchor, members of at most 100 counterparties;
scatter-gather through at least 5 relays of at most 50 counterparties, 30 days) and the
time-respecting cycles up to 4 hops (`short_cycles`, 72 h per hop, 10 % fee, 30 days).
Prints, per motif, the median wall and CPU seconds (user + sys of this process, all
threads) of `runs` runs, the instances found and the peak RSS (DuckDB `--memory-limit`,
default 4GB); a capped cycle search logs how many paths it cut. About one ring and one
scatter-gather per 2,000 payments are planted so every step has work. Data: cftwatch-made
(random), for speed only, never for quality."""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cftwatch.network.motifs import short_cycles
from cftwatch.network.structure import node_ranks, structural_cycles, windowed_scatter_gather
from cftwatch.workspace import Workspace

DAY = 86_400


def _planted(n_acc: int, n: int, t0: int, days: int, rng: np.random.Generator) -> list[tuple]:
    rows: list[tuple] = []
    for _ in range(n):
        k = int(rng.integers(3, 9))
        members = rng.choice(n_acc, k, replace=False)
        start = t0 + int(rng.integers(0, (days - 20) * DAY))
        for i in range(k):  # legs in any order within 20 days
            rows.append((members[i], members[(i + 1) % k], start + int(rng.integers(0, 20 * DAY))))
        s, d, *mids = rng.choice(n_acc, 8, replace=False)
        for m in mids:
            rows.append((s, m, start + int(rng.integers(0, 10 * DAY))))
            rows.append((m, d, start + int(rng.integers(0, 10 * DAY))))
    return rows


def _ids(prefix: str, n: np.ndarray) -> pa.Array:
    """`prefix` + each number, built in Arrow (no Python string per row: at 5M payments
    the lists cost a minute and a peak of memory the measured part never needed)."""
    digits = pa.array(np.asarray(n, dtype=np.int64)).cast(pa.string())
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def edges(n_acc: int, n_txn: int, days: int, seed: int = 7) -> pa.Table:
    rng = np.random.default_rng(seed)
    w = 1 / np.arange(1, n_acc + 1) ** 0.8  # heavy-tailed activity
    w /= w.sum()
    src, dst = rng.choice(n_acc, n_txn, p=w), rng.choice(n_acc, n_txn, p=w)
    t0 = int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())
    ts_s = rng.integers(t0, t0 + days * DAY, n_txn)
    extra = _planted(n_acc, n_txn // 2_000, t0, days, rng)
    src = np.concatenate([src, [r[0] for r in extra]])
    dst = np.concatenate([dst, [r[1] for r in extra]])
    ts_s = np.concatenate([ts_s, [r[2] for r in extra]])
    keep = src != dst
    src, dst, ts_s = src[keep], dst[keep], ts_s[keep]
    amt = np.round(rng.lognormal(8, 1.2, src.size), 2)
    return pa.table(
        {
            "txn_id": _ids("T", np.arange(src.size)),
            "ts": pa.array(ts_s * 1_000_000, pa.timestamp("us", tz="UTC")),
            "ts_s": pa.array(ts_s, pa.int64()),
            "amount": pa.array(amt).cast(pa.decimal128(24, 8)),  # same values, no Decimals
            "amt": pa.array(amt),
            "currency": pa.array(["USD"] * src.size),
            "src": _ids("A", src),
            "dst": _ids("A", dst),
        }
    )


def _without_hubs(e: ir.Table, max_degree: int) -> ir.Table:
    r = node_ranks(e)
    small = r.filter(r.deg <= max_degree).select(_m=r.acct)
    e = e.semi_join(small, e.src == small._m)
    small2 = small.view()
    return e.semi_join(small2, e.dst == small2._m)


MOTIFS: dict[str, Callable[[ir.Table], ir.Table]] = {
    "structural_cycles": lambda e: structural_cycles(
        _without_hubs(e, 100), 3, 8, 30 * DAY, 20, 10.0
    ),
    "windowed_scatter_gather": lambda e: windowed_scatter_gather(e, 30 * DAY, 5, 50),
    "short_cycles": lambda e: short_cycles(e, 4, 72 * 3600, 30 * DAY, 0.1),
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--txns", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(MOTIFS))
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit")
    a = ap.parse_args()
    data = edges(a.accounts, a.txns, a.days)
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        ws.con.execute(f"SET memory_limit = '{a.memory_limit}'")
        eng = ws.engine(a.engine)
        e = eng.register("b_edges", data)
        for name in a.only.split(","):
            walls, cpus, n = [], [], 0
            for _ in range(a.runs):
                t, c = time.perf_counter(), _cpu()
                n = eng.to_arrow(MOTIFS[name](e)).num_rows
                walls.append(time.perf_counter() - t)
                cpus.append(_cpu() - c)
            print(
                f"{name}: {data.num_rows} payments, {a.accounts} accounts, {n} instances; "
                f"wall median {statistics.median(walls):.2f} s "
                f"({', '.join(f'{x:.2f}' for x in walls)}); "
                f"cpu median {statistics.median(cpus):.2f} s",
                flush=True,
            )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
