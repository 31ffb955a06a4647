"""Screening speed with every list loaded: index build, single-name latency, batch throughput.

    PYTHONPATH=. python benchmarks/screening_speed.py [--batch 6000] [--single 1000] [--runs 3]

Every list file in `../shared/data/lists/` is loaded through `cftwatch.lists.load_list` into a
temporary workspace (as in `screening_quality.py`). Each run builds the index from the active
entities (`load_screener` on an empty index cache: build and persist), then reloads the
persisted index, times one name at a time (warm) and batches on 1 and 2 processes. Prints each
run and the medians.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screening_quality import LISTS, Loaded, _reverse_families, decoys, loaded_lists, variant
from screening_real import DECOYS, TokenSortBaseline, decoy_rows

from cftwatch.screening import load_screener, make_query


def one_run(loaded: Loaded, names: list[str], single: int) -> dict[str, float]:
    shutil.rmtree(Path(loaded.ws.path) / "screening", ignore_errors=True)
    t0 = time.perf_counter()
    load_screener(loaded.ws)
    build = time.perf_counter() - t0
    t0, cpu0 = time.perf_counter(), _cpu()
    screener = load_screener(loaded.ws)
    reload, reload_cpu = time.perf_counter() - t0, _cpu() - cpu0
    for q in names[:200]:  # warm caches
        screener.screen_name(q)
    lat = []
    for q in names[200 : 200 + single]:
        t = time.perf_counter()
        screener.screen_name(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    out = {
        "build_s": build,
        "reload_s": reload,
        "reload_cpu_s": reload_cpu,
        "p50_ms": statistics.median(lat),
        "p99_ms": lat[int(len(lat) * 0.99) - 1],
    }
    queries = [make_query(q) for q in names]
    for workers in (1, 2):
        t, cpu = time.perf_counter(), _cpu()
        screener.screen_many(queries, workers=workers)
        out[f"batch{workers}_per_s"] = len(queries) / (time.perf_counter() - t)
        # on a shared machine the wall rate says more about the neighbours than the code:
        # names per CPU-second times the processes is the rate with that many free cores
        out[f"batch{workers}_cpu_per_s"] = len(queries) * workers / (_cpu() - cpu)
    # the baseline in the same run: token-blocked token_sort_ratio (ANCHORS.md), one process
    base = TokenSortBaseline(screener)
    t, cpu = time.perf_counter(), _cpu()
    for q in names:
        base.hits(q)
    out["base_per_s"] = len(names) / (time.perf_counter() - t)
    out["base_cpu_per_s"] = len(names) / (_cpu() - cpu)
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the batch workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lists", type=Path, default=LISTS)
    ap.add_argument("--batch", type=int, default=6000)
    ap.add_argument("--single", type=int, default=1000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with loaded_lists(args.lists) as loaded:
        counts = loaded.counts()
        print(
            "lists (cftwatch.lists.load_list): "
            + ", ".join(f"{k} {v:,}" for k, v in counts.items())
            + f"; {sum(counts.values()):,} entities"
        )
        screener = load_screener(loaded.ws)
        print(f"{len(screener.index.names):,} listed names (unique normalised per entity)")
        rev = _reverse_families()
        listed = [ln.name.original for ln in screener.index.names]
        # decoys: real Pakistani names (ECP 2024 candidates) where built, else generated
        real = [r.query for r in decoy_rows(DECOYS)] if DECOYS.exists() else []
        pool = rng.sample(real, min(len(real), args.batch)) if real else decoys(args.batch, rng)
        names = [
            variant(rng.choice(listed), rng, rev)[0] if i % 2 else d for i, d in enumerate(pool)
        ]
        del screener
        runs = []
        for i in range(args.runs):
            r = one_run(loaded, names, args.single)
            runs.append(r)
            print(
                f"run {i + 1}: index build {r['build_s']:.2f} s (reload {r['reload_s']:.2f} s, "
                f"{r['reload_cpu_s']:.2f} s CPU); "
                f"single p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms; batch "
                f"{r['batch1_per_s']:,.0f} names/s (1 process), "
                f"{r['batch2_per_s']:,.0f} names/s (2 processes); baseline "
                f"{r['base_per_s']:,.0f} names/s (1 process); CPU-bound rates "
                f"{r['batch1_cpu_per_s']:,.0f} (1), {r['batch2_cpu_per_s']:,.0f} (2), baseline "
                f"{r['base_cpu_per_s']:,.0f}; load average {os.getloadavg()[0]:.1f} "
                f"on {os.cpu_count()} cores"
            )
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(
        f"median of {args.runs}: index build {med['build_s']:.2f} s (target <= 30), reload "
        f"{med['reload_s']:.2f} s ({med['reload_cpu_s']:.2f} s CPU); single p50 {med['p50_ms']:.2f} ms, p99 {med['p99_ms']:.2f} ms "
        f"(target <= 10); batch {med['batch1_per_s']:,.0f} names/s on 1 process, "
        f"{med['batch2_per_s']:,.0f} on 2 (target >= 2,000); baseline token-blocked "
        f"token_sort_ratio {med['base_per_s']:,.0f} names/s on 1 process (cftwatch 1 process = "
        f"{med['batch1_per_s'] / med['base_per_s']:.2f}x); {len(names)} names, half list-name "
        f"variants, half decoys"
    )
    print(
        f"CPU-bound (names per CPU-second x processes, the rate with free cores): "
        f"{med['batch1_cpu_per_s']:,.0f} names/s on 1 process, {med['batch2_cpu_per_s']:,.0f} "
        f"on 2; baseline {med['base_cpu_per_s']:,.0f} (cftwatch 2 processes = "
        f"{med['batch2_cpu_per_s'] / med['base_cpu_per_s']:.2f}x the 1-process baseline)"
    )


if __name__ == "__main__":
    main()
