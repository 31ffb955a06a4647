"""Screening speed with every list loaded: index build, single-name latency, batch throughput.

PYTHONPATH=. python benchmarks/screening_speed.py [--batch 6000] [--single 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from screening_quality import _reverse_families, decoys, load_all_lists, variant

from cftwatch.screening import Screener
from cftwatch.screening.screener import make_query


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=6000)
    ap.add_argument("--single", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    entities, how = load_all_lists()
    t0 = time.perf_counter()
    screener = Screener(entities)
    build = time.perf_counter() - t0
    print(f"lists: {entities.num_rows} entities ({how}); {len(screener.index.names)} names")
    print(f"index build: {build:.2f} s")
    rev = _reverse_families()
    listed = [ln.name.original for ln in screener.index.names]
    names = [
        variant(rng.choice(listed), rng, rev)[0] if i % 2 else d
        for i, d in enumerate(decoys(args.batch, rng))
    ]
    for q in names[:200]:  # warm caches
        screener.screen_name(q)
    lat = []
    for q in names[: args.single]:
        t = time.perf_counter()
        screener.screen_name(q)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    p50 = statistics.median(lat)
    p99 = lat[int(len(lat) * 0.99) - 1]
    print(f"single name (warm): p50 {p50:.2f} ms, p99 {p99:.2f} ms over {len(lat)} names")
    queries = [make_query(q) for q in names]
    for workers in (1, 2):
        t = time.perf_counter()
        screener.screen_many(queries, workers=workers)
        dt = time.perf_counter() - t
        print(
            f"batch {len(queries)} names, {workers} process(es): {len(queries) / dt:,.0f} names/s"
        )


if __name__ == "__main__":
    main()
