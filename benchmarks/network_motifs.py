"""Motif enumeration speed on a random heavy-tailed payment graph (DuckDB by default).

    python benchmarks/network_motifs.py --accounts 100000 --txns 1000000 [--runs 3]
        [--only exposure,short_cycles,windowed_scatter_gather,structural_cycles]
        [--engine spark] [--profile]

Times the order-free motifs with the monitoring rules' defaults (rings of 3-8 accounts in
30 days, at most 20 partial paths per anchor, members of at most 100 counterparties;
scatter-gather through at least 5 relays of at most 50 counterparties, 30 days) and the
time-respecting cycles up to 4 hops (`short_cycles`, 72 h per hop, 10 % fee, 30 days).
Also exposure within 3 hops from 50 listed accounts (FIFO), so the issue's combined
figure (exposure + time-respecting motifs up to 4 hops) is printed on one graph.
Each motif runs in a process of its own into which the payments are streamed (DuckDB
table in the workspace file, 500,000 rows at a time; no Arrow copy of the input is held),
so its peak RSS is the whole engine process's own (`ru_maxrss`: DuckDB, Python, the
generator's arrays; DuckDB `--memory-limit`, default 4GB). Prints, per motif, the median
wall and CPU seconds (user + sys of that process, all threads) of `runs` runs, the
instances found, the RSS after the load and the peak; then exposure + short_cycles.
`--profile` prints each stored step (rows, CPU, wall). A capped search logs how many
paths it cut. About one ring and one
scatter-gather per 2,000 payments are planted so every step has work. Data: cftwatch-made
(random), for speed only, never for quality."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cftwatch.network.exposure import exposure, listed_seeds
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
    """The whole edges table in memory (tests, Spark); `load` streams it instead."""
    return pa.concat_tables(list(_chunks(*_arrays(n_acc, n_txn, days, seed), n_txn + 1)))


def _arrays(n_acc: int, n_txn: int, days: int, seed: int) -> tuple[np.ndarray, ...]:
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
    return src, dst, ts_s, amt


def _chunks(
    src: np.ndarray, dst: np.ndarray, ts_s: np.ndarray, amt: np.ndarray, size: int
) -> Iterator[pa.Table]:
    for lo in range(0, src.size, size):
        hi = min(lo + size, src.size)
        yield pa.table(
            {
                "txn_id": _ids("T", np.arange(lo, hi)),
                "ts": pa.array(ts_s[lo:hi] * 1_000_000, pa.timestamp("us", tz="UTC")),
                "ts_s": pa.array(ts_s[lo:hi], pa.int64()),
                "amount": pa.array(amt[lo:hi]).cast(pa.decimal128(24, 8)),  # no Decimals
                "amt": pa.array(amt[lo:hi]),
                "currency": pa.array(["USD"] * (hi - lo)),
                "src": _ids("A", src[lo:hi]),
                "dst": _ids("A", dst[lo:hi]),
            }
        )


def load(con: duckdb.DuckDBPyConnection, n_acc: int, n_txn: int, days: int) -> int:
    """Stream the payments into a DuckDB table `b_edges` of the workspace file, 500,000 rows
    at a time (no Arrow copy of the whole input stays in the process); the row count."""
    arrays = _arrays(n_acc, n_txn, days, 7)
    for i, chunk in enumerate(_chunks(*arrays, 500_000)):
        con.register("_b_chunk", chunk)
        verb = "CREATE TABLE b_edges AS" if i == 0 else "INSERT INTO b_edges"
        con.execute(f"{verb} SELECT * FROM _b_chunk")
        con.unregister("_b_chunk")
    con.execute("CHECKPOINT")
    return int(arrays[0].size)


def _without_hubs(e: ir.Table, max_degree: int) -> ir.Table:
    r = node_ranks(e)
    small = r.filter(r.deg <= max_degree).select(_m=r.acct)
    e = e.semi_join(small, e.src == small._m)
    small2 = small.view()
    return e.semi_join(small2, e.dst == small2._m)


Motif = Callable[[ir.Table, ir.Table], ir.Table]
MOTIFS: dict[str, Motif] = {
    "exposure": lambda e, seeds: exposure(e, seeds, 3, "fifo"),
    "short_cycles": lambda e, seeds: short_cycles(e, 4, 72 * 3600, 30 * DAY, 0.1),
    "windowed_scatter_gather": lambda e, seeds: windowed_scatter_gather(e, 30 * DAY, 5, 50),
    "structural_cycles": lambda e, seeds: structural_cycles(
        _without_hubs(e, 100), 3, 8, 30 * DAY, 20, 10.0
    ),
}


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _profiled() -> None:
    """Print every step the network functions store (caller, rows, CPU, wall)."""
    import cftwatch.engine.materialising as mat
    import cftwatch.network.motifs as mo
    import cftwatch.network.structure as st

    plain = mat.materialise

    def timed(expr: ir.Table, name: str | None = None) -> ir.Table:
        c, t = _cpu(), time.perf_counter()
        out = plain(expr, name)
        f = sys._getframe(1)
        rows = out.count().to_pyarrow().as_py()
        print(f"  step {f.f_code.co_name}:{f.f_lineno} rows {rows} cpu {_cpu() - c:.2f} s "
              f"wall {time.perf_counter() - t:.2f} s rss {_rss():.0f} MB", flush=True)  # fmt: skip
        return out

    mo.materialise = st.materialise = timed  # type: ignore[assignment]


def _child(a: argparse.Namespace) -> None:
    if a.profile:
        _profiled()
    seed_ids = np.random.default_rng(11).choice(a.accounts, 50, replace=False)
    seeds = pa.Table.from_pylist(listed_seeds([f"A{i}" for i in seed_ids], "bench"))
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        ws.con.execute(f"SET memory_limit = '{a.memory_limit}'")
        eng = ws.engine(a.engine)
        if a.engine == "duckdb":
            rows = load(ws.con, a.accounts, a.txns, a.days)
            e = eng.table("b_edges")
        else:  # Spark reads Arrow: the copy is the input
            data = edges(a.accounts, a.txns, a.days)
            rows, e = data.num_rows, eng.register("b_edges", data)
            del data
        loaded, s = _rss(), eng.register("b_seeds", seeds)
        walls, cpus, n = [], [], 0
        for _ in range(a.runs):
            t, c = time.perf_counter(), _cpu()
            n = eng.to_arrow(MOTIFS[a.only](e, s)).num_rows
            walls.append(time.perf_counter() - t)
            cpus.append(_cpu() - c)
    print(
        f"{a.only}: {rows} payments, {a.accounts} accounts, {n} instances; "
        f"wall median {statistics.median(walls):.2f} s ({', '.join(f'{x:.2f}' for x in walls)}); "
        f"cpu median {statistics.median(cpus):.2f} s; RSS after load {loaded:.0f} MB, "
        f"peak RSS {_rss():.0f} MB",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--txns", type=int, default=1_000_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default=",".join(MOTIFS))
    ap.add_argument("--engine", default="duckdb")
    ap.add_argument("--memory-limit", default="4GB", help="DuckDB memory_limit")
    ap.add_argument("--profile", action="store_true", help="print each stored step")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        return _child(a)
    got: dict[str, tuple[float, float, float]] = {}
    for name in a.only.split(","):
        if name not in MOTIFS:
            ap.error(f"--only: unknown motif {name!r} (one of {', '.join(MOTIFS)})")
        args = [sys.executable, __file__, *sys.argv[1:], "--only", name, "--child"]
        out = subprocess.run(args, check=True, stdout=subprocess.PIPE, text=True).stdout
        print(out, end="", flush=True)
        m = re.search(r"wall median ([\d.]+).*cpu median ([\d.]+).*peak RSS (\d+)", out)
        if m:
            got[name] = (float(m[1]), float(m[2]), float(m[3]))
    if "exposure" in got and "short_cycles" in got:
        (w1, c1, r1), (w2, c2, r2) = got["exposure"], got["short_cycles"]
        print(f"exposure + short_cycles: cpu {c1 + c2:.2f} s, wall {w1 + w2:.2f} s, "
              f"peak RSS {max(r1, r2):.0f} MB (one process each)")  # fmt: skip


if __name__ == "__main__":
    main()
