"""Mojaloop JSON memory benchmark: one JSON array of quotes and transfers (default 100 MB)
ingested into a fresh workspace; the target is a peak RSS <= 300 MB whatever the size.

    python benchmarks/mojaloop_stream.py [--mb 100 200] [--runs 3] [--tree OLD --tree .]

The array is generated once per size under /tmp/cftwatch-bench (one quote and one transfer
per payment, FSPIOP field names). Each load runs in its own child process, so the peak RSS
reported is that load's alone (os.wait4), with its CPU time (user + sys). With several
`--tree` checkouts (e.g. one of main for an A/B), their runs alternate in the same session.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CACHE = Path("/tmp/cftwatch-bench")
ROOT = Path(__file__).resolve().parents[1]


def _pair(i: int) -> tuple[dict, dict]:
    tid = f"{i:08x}-0000-4000-8000-{i:012x}"
    quote = {
        "quoteId": f"q{i:08x}-0000-4000-8000-000000000000",
        "transactionId": tid,
        "payee": {
            "partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": f"92345{i % 10**7:07d}"},
            "name": f"Payee Number {i}",
        },
        "payer": {
            "partyIdInfo": {
                "partyIdType": "MSISDN",
                "partyIdentifier": f"92300{(i * 7) % 10**7:07d}",
                "fspId": "jazzcash",
            },
            "personalInfo": {"complexName": {"firstName": "Ayesha", "lastName": f"S{i}"}},
        },
        "amountType": "SEND",
        "amount": {"amount": str(100 + i % 5000), "currency": "PKR"},
        "transactionType": {
            "scenario": "TRANSFER",
            "initiator": "PAYER",
            "initiatorType": "CONSUMER",
        },
        "note": "family support " * 4,
    }
    transfer = {
        "transferId": tid,
        "payerFsp": "jazzcash",
        "payeeFsp": "easypaisa",
        "amount": {"amount": str(100 + i % 5000), "currency": "PKR"},
        "ilpPacket": "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4",
        "condition": "HOr22-H3AfTDHrSkPjJtVPRdKouuMkDXTR4ejlQa8Ks",
        "expiration": f"2026-03-{1 + i % 28:02d}T10:00:00.000Z",
        "completedTimestamp": f"2026-03-{1 + i % 28:02d}T09:59:{i % 60:02d}.000Z",
    }
    return quote, transfer


def mojaloop_file(mb: int) -> tuple[Path, int]:
    """A JSON array of about `mb` MB; (path, payments)."""
    path = CACHE / f"mojaloop_{mb}mb.json"
    count = CACHE / f"mojaloop_{mb}mb.count"
    if path.exists() and count.exists():
        return path, int(count.read_text())
    CACHE.mkdir(parents=True, exist_ok=True)
    target, n = mb * 1_000_000, 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[\n")
        while fh.tell() < target:
            quote, transfer = _pair(n)
            fh.write(("," if n else "") + json.dumps(quote) + ",\n" + json.dumps(transfer) + "\n")
            n += 1
        fh.write("]\n")
    count.write_text(str(n))
    return path, n


CHILD = """
import sys, time
from cftwatch.workspace import Workspace
from cftwatch.ingest import ingest_files
ws = Workspace.init(sys.argv[1])
t = time.perf_counter()
r = ingest_files(ws, "mojaloop", [sys.argv[2]])
print(r.rows, time.perf_counter() - t)
"""


def run_once(path: Path, tree: Path = ROOT) -> tuple[int, float, float, float]:
    """(rows, seconds, peak RSS MB, CPU seconds) of one load in a child process."""
    folder = Path(tempfile.mkdtemp(prefix="cftwatch-bench-ws-"))
    try:
        env = {**os.environ, "PYTHONPATH": str(tree)}
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(folder / "ws"), str(path)],
            stdout=subprocess.PIPE,
            env=env,
            cwd=folder,  # not this checkout: `-c` puts the current folder first on sys.path
        )
        assert proc.stdout is not None
        out = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
        if status != 0:
            raise SystemExit(f"load failed ({status}): {out}")
        rows, seconds = out.split()[-2:]  # DuckDB may print a progress bar first
        cpu = usage.ru_utime + usage.ru_stime
        return int(rows), float(seconds), usage.ru_maxrss / 1024, cpu
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=int, nargs="+", default=[100])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tree", type=Path, action="append", help="checkout to load with")
    args = ap.parse_args()
    trees = [t.resolve() for t in args.tree or [ROOT]]
    for mb in args.mb:
        path, n = mojaloop_file(mb)
        runs: dict[Path, list[tuple[int, float, float, float]]] = {t: [] for t in trees}
        for _ in range(args.runs):
            for tree in trees:
                runs[tree].append(run_once(path, tree))
        size = path.stat().st_size / 1e6
        for tree, done in runs.items():
            assert all(r[0] == n for r in done), (done, n)
            secs = statistics.median(r[1] for r in done)
            rss = statistics.median(r[2] for r in done)
            cpu = statistics.median(r[3] for r in done)
            print(
                f"{tree}: mojaloop {size:.0f} MB, {n:,} payments: median {secs:.2f} s "
                f"({n / secs:,.0f} transfers/s), CPU {cpu:.1f} s, peak RSS median {rss:.0f} MB "
                f"(max {max(r[2] for r in done):.0f} MB), {args.runs} runs"
            )


if __name__ == "__main__":
    main()
