"""Operational-store timings: triage of many alerts, and a 10,000-transaction case read
back as a bundle (the reporting stage's input for its 5 s report budget).

    PYTHONPATH=. python benchmarks/cases_store.py [--alerts 10000] [--txns 10000]
        [--url postgresql+psycopg://...]   # default: a fresh SQLite file

Prints medians of 3 runs, each on a fresh database.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.cases import CaseService
from cftwatch.store import OperationalStore


def make_alerts(n: int, per_subject: int = 5, txns_per_alert: int = 5) -> pa.Table:
    now = dt.datetime(2025, 1, 13, tzinfo=dt.UTC)
    rows = [
        {
            "alert_id": f"a{i}",
            "run_id": "bench",
            "source": "monitoring",
            "rule_id": "fan_in",
            "typology": "crowdfunding_fan_in",
            "subject_type": "account",
            "subject_id": f"acct{i // per_subject}",
            "severity": ("low", "medium", "high", "critical")[i % 4],
            "score": 0.5,
            "txn_ids": [f"t{i}-{k}" for k in range(txns_per_alert)],
            "explanation": "bench",
            "created_at": now,
        }
        for i in range(n)
    ]
    return cs.conform(pa.Table.from_pylist(rows), cs.ALERTS)


def one_run(url: str, alerts: pa.Table, txns: int) -> tuple[float, float, float, int]:
    store = OperationalStore(url)
    store.migrate()
    service = CaseService(store)
    t0 = time.perf_counter()
    cases = service.triage(alerts, "bench")
    t_triage = time.perf_counter() - t0
    case_id = cases[0].case_id
    t0 = time.perf_counter()
    service.add_transactions(case_id, "bench", (f"x{i}" for i in range(txns)))
    t_add = time.perf_counter() - t0
    t0 = time.perf_counter()
    bundle = service.case_bundle(case_id)
    t_bundle = time.perf_counter() - t0
    assert len(bundle.txn_ids) >= txns
    store.close()
    return t_triage, t_add, t_bundle, len(cases)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=10_000)
    ap.add_argument("--txns", type=int, default=10_000)
    ap.add_argument("--url", default=None, help="PostgreSQL URL (each run in a fresh schema)")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    alerts = make_alerts(args.alerts)
    results = []
    for run in range(args.runs):
        if args.url:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            schema = f"bench_{run}_{int(time.time())}"
            admin = create_engine(args.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            url = (
                make_url(args.url)
                .update_query_dict({"options": f"-csearch_path={schema}"})
                .render_as_string(hide_password=False)
            )
            try:
                results.append(one_run(url, alerts, args.txns))
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
                admin.dispose()
        else:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(
                    one_run(f"sqlite:///{Path(tmp) / 'store.sqlite'}", alerts, args.txns)
                )
    med = [statistics.median(r[i] for r in results) for i in range(3)]
    backend = "postgresql" if args.url else "sqlite"
    print(
        f"{backend}: triage {args.alerts:,} alerts ({args.alerts * 5:,} txn evidence) into "
        f"{results[0][3]:,} cases: {med[0]:.2f} s; add {args.txns:,} transactions to a case: "
        f"{med[1]:.2f} s; case_bundle: {med[2]:.3f} s (medians of {len(results)})"
    )


if __name__ == "__main__":
    main()
