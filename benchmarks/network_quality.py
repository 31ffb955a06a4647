"""Network quality on a labelled data set cftwatch did not make (IBM AMLSim runs, see
/work/research/sim/PROVENANCE.md): graph features for learning and exposure ranking.

    python benchmarks/network_quality.py --run /work/research/sim/runs/amlsim_heldout \\
        [--days 540] [--seed-share 0.2] [--windows 1d,7d,30d]

1. Gradient boosting (scikit-learn HistGradientBoostingClassifier, fixed settings, no
   tuning) on transaction features alone (amount, hour, weekday, channel code) against
   transaction + graph features (`cftwatch.network.features`): minority-class (laundering)
   F1 on a temporal split (train on the first 70 % of days, test on the rest), threshold
   chosen on the last 20 % of the training period.
2. Exposure ranking: a `--seed-share` sample of the laundering member accounts are seeds;
   over the other accounts, the share of laundering members among the top 1 % by the
   exposure feature (`exposure_30d` of the account rows), against their base rate.
Main run (seed 11) for any tuning, heldout (seed 22) for reporting. Not yet here: motif
recall per typology and synth; docs/network.md lists what is measured.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa

from cftwatch.network.exposure import listed_seeds
from cftwatch.network.features import (
    account_features,
    feature_names,
    feature_stream,
    parse_windows,
    transaction_features,
)
from cftwatch.workspace import Workspace

CHANNELS = {"wire": 0, "ach": 1, "cheque": 2, "other": 3}


def load_run(run: Path, days: int) -> tuple[pa.Table, dict[str, int], set[str]]:
    """The run's payments (edges table) in its first `days` days, laundering label per
    payment, and the laundering member accounts."""
    rows, labels = [], {}
    start = None
    with (run / "flat" / "transactions.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            ts = dt.datetime.fromisoformat(r["ts"])
            start = start or ts
            if (ts - start).days >= days:
                break
            rows.append(
                {
                    "txn_id": r["txn_id"],
                    "ts": ts,
                    "ts_s": int(ts.timestamp()),
                    "amount": Decimal(r["amount"]),
                    "amt": float(r["amount"]),
                    "currency": r["currency"],
                    "src": r["debtor_account"],
                    "dst": r["creditor_account"],
                    "channel": CHANNELS.get(r["channel"], 3),
                }
            )
            labels[r["txn_id"]] = int(r["is_laundering"])
    members = set()
    with (run / "flat" / "accounts.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["is_laundering_member"] == "1":
                members.add(r["account_id"])
    schema = pa.schema(
        [("txn_id", pa.string()), ("ts", pa.timestamp("us", tz="UTC")), ("ts_s", pa.int64()),
         ("amount", pa.decimal128(24, 8)), ("amt", pa.float64()), ("currency", pa.string()),
         ("src", pa.string()), ("dst", pa.string()), ("channel", pa.int64())]
    )  # fmt: skip
    return pa.Table.from_pylist(rows, schema=schema), labels, members


def _f1(y: np.ndarray, p: np.ndarray, thr: float) -> float:
    pred = p >= thr
    tp = int((pred & (y == 1)).sum())
    fp, fn = int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def gbm_f1(x: np.ndarray, y: np.ndarray, t: np.ndarray) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    cut, val = np.quantile(t, 0.7), np.quantile(t, 0.56)
    fit, tune, test = t < val, (t >= val) & (t < cut), t >= cut
    m = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)
    m.fit(x[fit], y[fit])
    pv = m.predict_proba(x[tune])[:, 1]
    thr = max(np.linspace(0.05, 0.95, 19), key=lambda c: _f1(y[tune], pv, c))
    m.fit(x[t < cut], y[t < cut])
    pt = m.predict_proba(x[test])[:, 1]
    return {"f1": _f1(y[test], pt, thr), "threshold": float(thr), "test_pos": int(y[test].sum())}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--run", type=Path, default=Path("/work/research/sim/runs/amlsim_heldout"))
    ap.add_argument("--days", type=int, default=540)
    ap.add_argument("--windows", default="1d,7d,30d")
    ap.add_argument("--seed-share", type=float, default=0.2)
    a = ap.parse_args()
    t0 = time.perf_counter()
    edges_t, labels, members = load_run(a.run, a.days)
    rng = random.Random(22)
    seeds = sorted(rng.sample(sorted(members), int(len(members) * a.seed_share)))
    wins = parse_windows(a.windows)
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        eng = ws.engine("duckdb")
        edges = eng.register("q_edges", edges_t)
        seed_t = eng.register("q_seeds", pa.Table.from_pylist(listed_seeds(seeds, "SAR")))
        st = feature_stream(edges, wins, seed_t, same_ts=True).cache()
        tx = eng.to_arrow(transaction_features(st, edges, wins)).to_pandas()
        acc = eng.to_arrow(account_features(st, wins)).to_pandas()
        st.release()
    t_feat = time.perf_counter() - t0
    chan = dict(zip(edges_t["txn_id"].to_pylist(), edges_t["channel"].to_pylist(), strict=True))
    tx["channel"] = tx.txn_id.map(chan)
    tx["weekday"] = (tx.ts_s // 86_400 + 4) % 7
    y = tx.txn_id.map(labels).to_numpy()
    base = ["amt", "channel", "weekday"]
    graph = ["ttf_s"] + [f"{s}_{n}" for s in ("src", "dst") for n in feature_names(wins)]
    t = tx.ts_s.to_numpy()
    only = gbm_f1(tx[base].to_numpy(float), y, t)
    both = gbm_f1(tx[base + graph].to_numpy(float), y, t)
    seed_set = set(seeds)
    others = acc[~acc.acct.isin(seed_set)].sort_values("exposure_30d", ascending=False)
    top = others.head(max(1, len(others) // 100))
    share = float(top.acct.isin(members).mean())
    rate = float(others.acct.isin(members).mean())
    print(
        f"run={a.run.name} days={a.days} payments={len(tx)} laundering={int(y.sum())} "
        f"features {t_feat:.0f} s\n"
        f"GBM minority-class F1 (temporal split 70/30): transaction features "
        f"{only['f1']:.3f} (thr {only['threshold']:.2f}); + graph features {both['f1']:.3f} "
        f"(thr {both['threshold']:.2f}); test positives {both['test_pos']}\n"
        f"exposure top 1 % ({len(top)} of {len(others)} non-seed accounts, {len(seeds)} seeds): "
        f"{share:.1%} laundering members (base rate {rate:.1%})"
    )


if __name__ == "__main__":
    main()
