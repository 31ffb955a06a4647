"""Detection quality of the built-in rule pack on labelled synthetic data.

    python benchmarks/monitoring_quality.py [--accounts 100000] [--days 30] [--seeds 7]
                                            [--rules rules.yaml] [--json]

Generates `cftwatch.synth` data (default settings), runs the whole pack on DuckDB and prints:

* per typology: injected instances, recall (share of instances that at least one alert of a
  rule for that typology points at) and recall by any rule;
* per rule: alerts, alerts per 1,000 accounts, precision (share of its alerts that point at
  an injected instance of its own typology) and precision against any injected instance;
* the overall alert rate per 1,000 accounts.

An alert *points at* an instance when they share a transaction, or when the alert's subject
is one of the instance's accounts and their time windows overlap.

Third-party data (`--amlsim-main RUN --amlsim-heldout RUN`, IBM AMLSim runs as laid out in
/work/research/sim, see its PROVENANCE.md): both runs are ingested with their mapping; the
default pack is scored on the held-out run; `rules calibrate` reads only the main run (no
labels) and the calibrated pack is scored on the held-out run, so nothing is tuned and
reported on the same run. Scores per typology (recall: an alert on a member account that
lists one of the instance's transactions), account-level precision and its lift over the
base rate, alert rate, and the share of benign hubs alerted; for the pack and each rule
alone (each rule's own alerts: rules do not interact). `--workspaces DIR` keeps the two
ingested workspaces (DIR/main, DIR/held) and reuses them on the next run.

Screening is a separate stage: when `--oracle-screening` is given, the listed party of each
`listed_party_payment` instance is written as a screening alert (a perfect screening result)
before the pack runs, so `screened_party_transaction` is measured given screening found the
party. Without it that rule has nothing to read and its typology shows recall 0.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cftwatch import schema as cs  # noqa: E402
from cftwatch.monitoring import builtin_rules, load_rules_config, run_rules  # noqa: E402
from cftwatch.synth import TYPOLOGIES, SynthConfig, generate_synth, load_synth_into  # noqa: E402
from cftwatch.workspace import Workspace  # noqa: E402


def oracle_screening(ws: Workspace, patterns: pa.Table) -> int:
    """Screening alerts for the listed party of each listed_party_payment instance."""
    rows = []
    now = dt.datetime.now(dt.UTC)
    for p in patterns.to_pylist():
        if p["typology"] != "listed_party_payment":
            continue
        listed = [a for a, r in zip(p["accounts"], p["roles"], strict=True) if r == "listed"]
        params = json.loads(p["params"])
        for acc in listed:
            rows.append(
                {
                    "alert_id": f"oracle-{p['pattern_id']}",
                    "run_id": "oracle",
                    "source": "screening",
                    "rule_id": "screening.identifier",
                    "typology": "sanctions_match",
                    "subject_type": "account",
                    "subject_id": acc,
                    "severity": "high",
                    "score": 0.95,
                    "txn_ids": [],
                    "explanation": f"oracle: holder is {params.get('list_name')}",
                    "entity_id": f"un:{params.get('list_ref')}",
                    "created_at": now,
                }
            )
    if rows:
        ws.append("alerts", pa.Table.from_pylist(rows, schema=cs.ALERTS))
    return len(rows)


def hits(alert: dict[str, Any], inst: dict[str, Any]) -> bool:
    if set(alert["txn_ids"] or []) & inst["txn_set"]:
        return True
    if alert["subject_id"] in inst["acc_set"]:
        return (
            alert["window_start"] <= inst["window_end"]
            and inst["window_start"] <= alert["window_end"]
        )
    return False


def evaluate(seed: int, args: argparse.Namespace) -> dict[str, Any]:
    cfg = SynthConfig(accounts=args.accounts, days=args.days, seed=seed)
    data = generate_synth(cfg)
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws")
        load_synth_into(ws, data)
        if args.oracle_screening:
            oracle_screening(ws, data.patterns)
        rules = load_rules_config(args.rules) if args.rules else None
        t0 = time.perf_counter()
        run = run_rules(ws, rules)
        seconds = time.perf_counter() - t0
        ws.close()
    insts = []
    for p in data.patterns.to_pylist():
        p["txn_set"] = set(p["txn_ids"])
        p["acc_set"] = set(p["accounts"])
        insts.append(p)
    alerts = run.alerts.to_pylist()
    rule_typology = {s.id: s.typology for s in builtin_rules()}
    by_inst_rules: dict[str, set[str]] = defaultdict(set)
    per_rule: dict[str, dict[str, int]] = defaultdict(lambda: {"alerts": 0, "own": 0, "any": 0})
    for a in alerts:
        rid = a["rule_id"]
        per_rule[rid]["alerts"] += 1
        own = any_ = False
        for inst in insts:
            if hits(a, inst):
                any_ = True
                by_inst_rules[inst["pattern_id"]].add(rid)
                if inst["typology"] == rule_typology[rid]:
                    own = True
        per_rule[rid]["own"] += own
        per_rule[rid]["any"] += any_
    per_typ: dict[str, dict[str, int]] = {
        t: {"instances": 0, "found": 0, "any": 0} for t in TYPOLOGIES
    }
    for inst in insts:
        t = inst["typology"]
        rules_hit = by_inst_rules.get(inst["pattern_id"], set())
        per_typ[t]["instances"] += 1
        per_typ[t]["found"] += any(rule_typology[r] == t for r in rules_hit)
        per_typ[t]["any"] += bool(rules_hit)
    return {
        "seed": seed,
        "accounts": args.accounts,
        "transactions": data.transactions.num_rows,
        "alerts": len(alerts),
        "seconds": seconds,
        "per_rule": {
            r.rule_id: dict(per_rule[r.rule_id]) | {"skipped": r.skipped} for r in run.rules
        },
        "per_typology": per_typ,
    }


def _ingest(run: Path, mapping: Path, ws_dir: Path, currency: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "cftwatch"]
    init = [*cli, "init", str(ws_dir), "--currency", currency]
    subprocess.run(init, check=True, env=env, capture_output=True)
    subprocess.run(
        [*cli, "ingest", "csv", str(run / "flat" / "transactions.csv"), "--mapping", str(mapping),
         "--workspace", str(ws_dir)],
        check=True, env=env, capture_output=True,
    )  # fmt: skip


def _print_report(title: str, report: dict[str, Any]) -> None:
    print(f"### {title}")
    print(
        f"{report['accounts']:,} active accounts, base rate {report['base_rate']:.2%}, "
        f"{report['benign_hubs']:,} benign hubs"
    )
    print("| rule | alerts | alert rate | precision | lift | hubs alerted | recall per typology |")
    print("|---|---|---|---|---|---|---|")
    for name, v in [("**pack**", report["pack"]), *report["rules"].items()]:
        recall = ", ".join(f"{t} {x:.0%}" for t, x in v["recall"].items())
        print(
            f"| {name} | {v['alerts']:,} | {v['alert_rate']:.2%} | {v['precision']:.2f} | "
            f"{v['lift']:g} | {v['hubs_alerted_share']:.1%} | {recall} |"
        )
    print()


def _print_comparison(res: dict[str, Any]) -> None:
    """Calibrated against default per typology (recall), and the pack's lift and hubs."""
    acts: dict[str, int] = defaultdict(int)
    for a in res.get("calibration_actions", []):
        acts[a["action"]] += 1
    print("calibration: " + ", ".join(f"{n} {k}" for k, n in sorted(acts.items())))
    d, c = res["default"]["pack"], res["calibrated"]["pack"]
    print("| pack | " + " | ".join(d["recall"]) + " | lift | hubs alerted |")
    print("|---|" + "---|" * (len(d["recall"]) + 2))
    for name, v in (("default", d), ("calibrated", c)):
        cells = " | ".join(f"{x:.0%}" for x in v["recall"].values())
        print(f"| {name} | {cells} | {v['lift']:g} | {v['hubs_alerted_share']:.1%} |")
    worse = [t for t, x in c["recall"].items() if x < d["recall"].get(t, 0)]
    print(f"calibrated below default: {', '.join(worse) if worse else 'none'}")
    print()


def _progress(rule_id: str, param: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} calibrating {rule_id}.{param}", file=sys.stderr)


def amlsim(args: argparse.Namespace) -> dict[str, Any]:
    """Default pack and calibrated pack (calibrated on the main run) on the held-out run."""
    from cftwatch.monitoring import default_rules_config
    from cftwatch.monitoring.backtest import backtest, read_instances
    from cftwatch.monitoring.calibrate import calibrate

    main_run, held = Path(args.amlsim_main), Path(args.amlsim_heldout)
    mapping = Path(args.amlsim_mapping)
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.workspaces or scratch
        t0 = time.perf_counter()
        for run, name in ((main_run, "main"), (held, "held")):
            if not (Path(tmp) / name).exists():  # --workspaces: ingested once, then reused
                _ingest(run, mapping, Path(tmp) / name, args.amlsim_currency)
        out["ingest_s"] = round(time.perf_counter() - t0, 1)
        cfg = load_rules_config(args.rules) if args.rules else default_rules_config()
        with Workspace.open(Path(tmp) / "main") as ws:
            t0 = time.perf_counter()
            cal = calibrate(ws, cfg, args.target_alert_rate, progress=_progress)
            out["calibrate_s"] = round(time.perf_counter() - t0, 1)
        out["calibration"] = [d.why for d in cal.decisions]
        out["calibration_actions"] = [
            {"rule": d.rule_id, "param": d.param, "old": d.old, "new": d.new, "action": d.action}
            for d in cal.decisions
        ]
        instances = read_instances(held / "flat" / "instances.csv")
        with Workspace.open(Path(tmp) / "held") as ws:
            for name, c in (("default", cfg), ("calibrated", cal.config)):
                t0 = time.perf_counter()
                out[name] = backtest(ws, c, instances).to_dict()
                out[name]["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--seeds", type=int, nargs="+", default=[7])
    ap.add_argument("--rules", help="rules.yaml to evaluate instead of the defaults")
    ap.add_argument("--oracle-screening", action="store_true")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--json-out", help="also write the AMLSim results as JSON to this file")
    ap.add_argument("--amlsim-main", help="AMLSim run folder used (unlabelled) to calibrate")
    ap.add_argument("--amlsim-heldout", help="AMLSim run folder the scores are reported on")
    ap.add_argument("--amlsim-mapping", default="/work/research/sim/amlsim.mapping.yaml")
    ap.add_argument("--amlsim-currency", default="USD", help="`init --currency` of the runs")
    ap.add_argument(
        "--workspaces",
        help="folder for the AMLSim workspaces (main/, held/): ingested when absent, else reused",
    )
    ap.add_argument("--target-alert-rate", type=float, default=0.02)
    args = ap.parse_args()
    if args.amlsim_main and args.amlsim_heldout:
        res = amlsim(args)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(res, default=str, indent=1))
        if args.json:
            print(json.dumps(res, default=str))
            return
        print(f"ingest {res['ingest_s']} s, calibrate {res['calibrate_s']} s (main run)")
        for line in res["calibration"]:
            print(f"- {line}")
        print()
        for name in ("default", "calibrated"):
            _print_report(f"{name} pack on the held-out run ({res[name]['seconds']} s)", res[name])
        _print_comparison(res)
        return
    results = [evaluate(s, args) for s in args.seeds]
    # pool the seeds
    typ: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    rul: dict[str, dict[str, Any]] = defaultdict(lambda: defaultdict(int))
    for r in results:
        for t, v in r["per_typology"].items():
            for k, x in v.items():
                typ[t][k] += x
        for rid, v in r["per_rule"].items():
            for k, x in v.items():
                if k == "skipped":
                    rul[rid]["skipped"] = x
                else:
                    rul[rid][k] += x
    accounts = sum(r["accounts"] for r in results)
    total = sum(r["alerts"] for r in results)
    if args.json:
        print(json.dumps({"runs": results}, default=str))
        return
    txns = sum(r["transactions"] for r in results)
    took = ", ".join(f"{r['seconds']:.1f} s" for r in results)
    print(
        f"seeds {args.seeds}: {accounts:,} accounts, {txns:,} transactions, {total:,} alerts "
        f"({1000 * total / accounts:.2f} per 1,000 accounts); pack ran in "
        f"{took}"
    )
    print()
    print("| typology | instances | recall (its rules) | recall (any rule) |")
    print("|---|---|---|---|")
    for t in TYPOLOGIES:
        v = typ[t]
        n = v["instances"] or 1
        print(f"| {t} | {v['instances']} | {v['found'] / n:.2f} | {v['any'] / n:.2f} |")
    print()
    print(
        "| rule | typology | alerts | per 1,000 accounts | precision (own typology) | precision (any injected) |"
    )
    print("|---|---|---|---|---|---|")
    typology = {s.id: s.typology for s in builtin_rules()}
    for rid, v in rul.items():
        n = v["alerts"]
        note = f" ({v['skipped']})" if v.get("skipped") else ""
        prec = f"{v['own'] / n:.2f}" if n else "-"
        anyp = f"{v['any'] / n:.2f}" if n else "-"
        print(
            f"| {rid}{note} | {typology[rid]} | {n} | {1000 * n / accounts:.2f} | {prec} | {anyp} |"
        )


if __name__ == "__main__":
    main()
