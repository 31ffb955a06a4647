"""Benchmark: parse and load every official list file in ../shared/data/lists/.

Target (issue 6): all files parsed and loaded in <= 20 s in total on 2 cores.

    PYTHONPATH=. python benchmarks/lists.py [--runs 3] [--data ../shared/data/lists] [--json]

Each run loads every file into a fresh workspace (DuckDB threads=2) and times parsing
(`parse_list`) and storing (`store_parsed`: hashes, fingerprints, one transaction)
separately. Prints the median of the runs per list and in total, and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

from cftwatch.lists import parse_list
from cftwatch.lists.store import store_parsed
from cftwatch.workspace import Workspace

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "lists"

FILES = [
    ("un_consolidated_2026-02-27.xml", "un"),
    ("ofac_sdn_2024-05-03.csv", "ofac"),  # + ofac_alt_2026-06.csv + ofac_add_2026-06.csv
    ("ofac_consolidated_nonsdn_2026-01-08.xml", "ofac"),
    ("uk_ofsi_conlist_2025-04-14.xlsx", "uk"),
    ("pk_nacta_proscribed_persons_4th_schedule_2022-11.csv", "pk-nacta"),
]


def one_run(data: Path) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        try:
            for name, source in FILES:
                t0 = time.perf_counter()
                parsed = parse_list(data / name, source)
                t1 = time.perf_counter()
                version = store_parsed(ws, parsed, force=True)
                t2 = time.perf_counter()
                out[parsed.list_id] = {
                    "entities": version.entities,
                    "parse_s": t1 - t0,
                    "store_s": t2 - t1,
                    "total_s": t2 - t0,
                }
        finally:
            ws.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    missing = [n for n, _ in FILES if not (args.data / n).is_file()]
    if missing:
        raise SystemExit(f"missing list files in {args.data}: {', '.join(missing)}")
    runs = [one_run(args.data) for _ in range(args.runs)]
    lists = list(runs[0])
    summary = {}
    for list_id in lists:
        summary[list_id] = {
            "entities": runs[0][list_id]["entities"],
            **{
                k: round(statistics.median(r[list_id][k] for r in runs), 3)
                for k in ("parse_s", "store_s", "total_s")
            },
        }
    totals = [sum(r[x]["total_s"] for x in lists) for r in runs]
    result = {
        "runs": args.runs,
        "lists": summary,
        "total_s_median": round(statistics.median(totals), 3),
        "total_s_runs": [round(t, 3) for t in totals],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "target_s": 20.0,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{'list':<14}{'entities':>10}{'parse s':>10}{'store s':>10}{'total s':>10}")
    for list_id, row in summary.items():
        print(
            f"{list_id:<14}{row['entities']:>10}{row['parse_s']:>10.2f}"
            f"{row['store_s']:>10.2f}{row['total_s']:>10.2f}"
        )
    print(
        f"total (median of {args.runs}): {result['total_s_median']:.2f} s "
        f"(target <= 20 s); runs {result['total_s_runs']}; peak RSS {result['peak_rss_mb']} MB"
    )


if __name__ == "__main__":
    main()
