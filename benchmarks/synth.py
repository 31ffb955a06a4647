"""Synthetic data benchmark: 5,000,000 background transactions over 1,000,000 accounts
(target <= 60 s on 2 cores, peak RSS <= 4 GB), then canonical Parquet output.

    python benchmarks/synth.py [--accounts 1000000] [--transactions 5000000] [--runs 3]

Each run is a child process (`--child`), so the peak RSS reported is that run's alone
(os.wait4). Reports the median of the runs for generation, Parquet writing and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def child(accounts: int, transactions: int, seed: int, out: str) -> None:
    sys.path.insert(0, str(ROOT))
    from cftwatch.synth import SynthConfig, generate_synth, write_synth

    cfg = SynthConfig(accounts=accounts, days=30, seed=seed, transactions=transactions)
    t0 = time.perf_counter()
    data = generate_synth(cfg)
    t1 = time.perf_counter()
    write_synth(data, out, "parquet")
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "generate_s": t1 - t0,
                "write_s": t2 - t1,
                "rows": data.transactions.num_rows,
                "patterns": data.patterns.num_rows,
            }
        )
    )


def run_once(accounts: int, transactions: int, seed: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as out:
        cmd = [
            sys.executable,
            __file__,
            "--child",
            "--accounts",
            str(accounts),
            "--transactions",
            str(transactions),
            "--seed",
            str(seed),
            "--out",
            out,
        ]
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        stdout = proc.stdout.read() if proc.stdout else ""
        if status != 0:
            raise SystemExit(f"child failed with status {status}")
        result = json.loads(stdout.strip().splitlines()[-1])
        result["wall_s"] = wall
        result["peak_rss_gb"] = usage.ru_maxrss / 1024 / 1024  # KiB -> GiB
        return result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--accounts", type=int, default=1_000_000)
    ap.add_argument("--transactions", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--out")
    args = ap.parse_args()
    if args.child:
        child(args.accounts, args.transactions, args.seed, args.out)
        return
    runs = [run_once(args.accounts, args.transactions, args.seed) for _ in range(args.runs)]
    for i, r in enumerate(runs, 1):
        print(
            f"run {i}: generate {r['generate_s']:.1f} s, write {r['write_s']:.1f} s, "
            f"process {r['wall_s']:.1f} s, peak RSS {r['peak_rss_gb']:.2f} GiB, "
            f"{r['rows']:,} rows"
        )
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(
        f"median of {len(runs)}: generate {med['generate_s']:.1f} s "
        f"({med['rows'] / med['generate_s']:,.0f} rows/s), write {med['write_s']:.1f} s, "
        f"process {med['wall_s']:.1f} s, peak RSS {med['peak_rss_gb']:.2f} GiB "
        f"(targets: <= 60 s, <= 4 GB)"
    )


if __name__ == "__main__":
    main()
