"""Speed of the whole monitoring rule pack over synthetic transactions.

    python benchmarks/monitoring.py [--sizes 1M,5M,20M] [--runs 3] [--spark 1M] [--cache DIR]

For each size, a workspace is built once (in `--cache`, default /tmp/cftwatch-bench-monitoring):
`cftwatch.synth` with one account per five transactions over 30 days, loaded with
`load_synth_into`. Each timed run is a child process that opens the workspace and runs every
enabled rule with `run_rules(ws, record=False)` (alerts computed and collected to Arrow, nothing
written, so runs are repeatable); seconds are that call, peak RSS is the child's (os.wait4).
Target: 5M transactions in <= 30 s on 2 cores with peak RSS <= 4 GB, 20M growing no faster
than linearly per row. A per-rule table follows: wall seconds, CPU seconds of the process
(all DuckDB threads: what a loaded machine can still compare) and alerts.
`--spark` sizes are also run on a local Spark session (`--engine spark`).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _size(text: str) -> int:
    text = text.strip().upper()
    factor = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * factor)


def build(size: int, folder: Path) -> None:
    sys.path.insert(0, str(ROOT))
    from cftwatch.synth import SynthConfig, generate_synth, load_synth_into
    from cftwatch.workspace import Workspace

    cfg = SynthConfig(seed=7, accounts=max(size // 5, 200), days=30, transactions=size)
    data = generate_synth(cfg)
    with Workspace.init(folder) as ws:
        load_synth_into(ws, data)
        ws.execute("CHECKPOINT")
    print(json.dumps({"transactions": data.transactions.num_rows}))


def child(folder: Path, engine: str) -> None:
    sys.path.insert(0, str(ROOT))
    from cftwatch.monitoring import run_rules
    from cftwatch.workspace import Workspace

    cpu: dict[str, float] = {}
    last: list[Any] = [None, 0.0]

    def progress(rule_id: str, done: int, total: int) -> None:
        # the process's CPU time (every DuckDB thread) between two progress calls: a rule's
        # query, its alert rows and sentences
        now = time.process_time()
        if last[0] is not None:
            cpu[last[0]] = now - last[1]
        last[0], last[1] = (None if rule_id == "done" else rule_id), now

    with Workspace.open(folder) as ws:
        t0, c0 = time.perf_counter(), time.process_time()
        run = run_rules(ws, engine=engine, record=False, progress=progress)
        seconds = time.perf_counter() - t0
        print(
            json.dumps(
                {
                    "seconds": seconds,
                    "run_cpu_s": time.process_time() - c0,
                    "transactions": run.transactions,
                    "alerts": run.alerts.num_rows,
                    "rules": {r.rule_id: round(r.seconds, 2) for r in run.rules},
                    "rule_cpu": {k: round(v, 2) for k, v in cpu.items()},
                    "rule_alerts": {r.rule_id: r.alerts for r in run.rules},
                }
            )
        )


def _spawn(args: list[str]) -> tuple[dict, float]:
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if status != 0:
        raise SystemExit(f"child {args} failed with status {status}")
    info = json.loads(out.strip().splitlines()[-1])
    info["cpu_s"] = usage.ru_utime + usage.ru_stime  # the child's CPU time (a loaded machine)
    return info, usage.ru_maxrss / 1024 / 1024


def workspace_for(size: int, cache: Path) -> Path:
    folder = cache / f"synth-{size}"
    if not (folder / "cftwatch.yaml").exists():
        t0 = time.perf_counter()
        info, rss = _spawn(["--build", str(size), "--folder", str(folder)])
        print(
            f"built {info['transactions']:,} transactions in {time.perf_counter() - t0:.0f} s "
            f"(peak {rss:.1f} GiB) -> {folder}",
            flush=True,
        )
    return folder


def measure(size: int, cache: Path, engine: str, runs: int) -> dict:
    folder = workspace_for(size, cache)
    results = []
    for _ in range(runs):
        info, rss = _spawn(["--child", "--folder", str(folder), "--engine", engine])
        info["peak_rss_gib"] = rss
        results.append(info)
        print(
            f"  {engine} {info['transactions']:,}: {info['seconds']:.1f} s, "
            f"{info['alerts']:,} alerts, CPU {info['cpu_s']:.1f} s (rules "
            f"{info['run_cpu_s']:.1f} s), peak RSS {rss:.2f} GiB (whole process)",
            flush=True,
        )
    seconds = [r["seconds"] for r in results]
    return {
        "engine": engine,
        "transactions": results[0]["transactions"],
        "median_s": statistics.median(seconds),
        "runs_s": seconds,
        "cpu_s": statistics.median(r["cpu_s"] for r in results),
        "rule_s": {
            k: statistics.median(r["rules"][k] for r in results) for k in results[0]["rules"]
        },
        "rule_cpu": {
            k: statistics.median(r["rule_cpu"][k] for r in results) for k in results[0]["rule_cpu"]
        },
        "rule_alerts": results[0]["rule_alerts"],
        "peak_rss_gib": statistics.median(r["peak_rss_gib"] for r in results),
        "alerts": results[0]["alerts"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1M,5M,20M")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--runs-largest", type=int, default=1, help="runs for sizes over 10M")
    ap.add_argument("--spark", default="1M", help="sizes to run on local Spark too ('' skips)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/cftwatch-bench-monitoring"))
    ap.add_argument("--build", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--engine", default="duckdb", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.build:
        build(args.build, args.folder)
        return
    if args.child:
        child(args.folder, args.engine)
        return
    args.cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in map(_size, args.sizes.split(",")):
        runs = args.runs_largest if size > 10_000_000 else args.runs
        rows.append(measure(size, args.cache, "duckdb", runs))
    for size in [_size(s) for s in args.spark.split(",") if s.strip()]:
        rows.append(measure(size, args.cache, "spark", 1))
    print("\n| engine | transactions | median s | CPU s | s per 1M | peak RSS | runs |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        per_m = r["median_s"] / (r["transactions"] / 1e6)
        runs = ", ".join(f"{s:.1f}" for s in r["runs_s"])
        print(
            f"| {r['engine']} | {r['transactions']:,} | {r['median_s']:.1f} | {r['cpu_s']:.1f} | "
            f"{per_m:.1f} | "
            f"{r['peak_rss_gib']:.2f} GiB | {runs} |"
        )
    for r in rows:
        print(f"\nper rule ({r['engine']}, {r['transactions']:,}; medians over the runs):")
        print("| rule | seconds | CPU s | alerts |")
        print("|---|---|---|---|")
        for rule, sec in sorted(r["rule_s"].items(), key=lambda kv: -kv[1]):
            cpu = r["rule_cpu"].get(rule)
            cpu_text = f"{cpu:.2f}" if cpu is not None else "-"
            print(f"| {rule} | {sec:.2f} | {cpu_text} | {r['rule_alerts'].get(rule, 0):,} |")


if __name__ == "__main__":
    main()
