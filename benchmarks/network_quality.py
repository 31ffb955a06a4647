"""Network quality on labelled data: synthetic (`cftwatch.synth`) and a labelled data set
cftwatch did not make (IBM AMLSim runs, see /work/research/sim/PROVENANCE.md).

    PYTHONPATH=. python benchmarks/network_quality.py --data synth [--accounts 10000]
    PYTHONPATH=. python benchmarks/network_quality.py --data amlsim \\
        --run /work/research/sim/runs/amlsim_heldout [--span 30d] [--cycle-hops 2]

Three parts, each printed as one block (docs/network.md, "Quality", has the results):

1. Motif recall and alert precision. Each detector of `cftwatch.network` (time-respecting
   cycles, order-free cycles, scatter-gather, gather-scatter, and a fan-out episode built
   from `cftwatch.engine.windows`) runs at its `cftwatch network motifs` settings over the
   whole period. A labelled instance is found when one reported instance has at least two
   of its payments (one for a one-payment instance) and at least half of the reported
   instance's payments are the instance's (`matches`). Alert precision: the share of
   reported instances with at least half their payments labelled laundering (any
   typology). Synth also has listed parties: recall of their one-hop counterparties (the
   accounts the listed party paid or was paid by) within one hop and of the third parties
   within two hops of the listed account, in either direction (`reach`), and exposure
   alerts (exposure >= 0.5 within 3 hops) with their precision.
2. Exposure ranking. Half of the laundering instances (fixed draw) give one member
   account each as a seed. Over all other accounts: the share of ring-mates (the other
   members of seed instances) and of any laundering member (of the other instances) in
   the top 1 % by FIFO exposure (`cftwatch.network.exposure`, 3 hops, whole period,
   ties by fewer hops), against the same top 1 % by plain reachability (fewest hops,
   ties in a fixed random order) and against the base rate.
3. Gradient boosting (scikit-learn HistGradientBoostingClassifier, fixed settings, no
   tuning) on transaction features alone (amount, channel, weekday) against transaction +
   graph features (`cftwatch.network.features`, no seeds): minority-class (laundering) F1
   on a temporal split (train on the first 70 % of payments by time, test on the rest),
   the threshold chosen on the last 20 % of the training period; fitted on every laundering
   payment and a fixed random `--neg-share` (10 %) of the others, scored on all.
AMLSim main (seed 11) for any choice, heldout (seed 22) for the reported figures.
"""

from __future__ import annotations

import argparse
import random
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cftwatch.engine import Engine
from cftwatch.engine.windows import anchors_by_distinct, episodes, rows_in_episodes
from cftwatch.network.components import reach
from cftwatch.network.exposure import exposure, listed_seeds, payment_edges
from cftwatch.network.features import (
    feature_names,
    feature_stream,
    parse_windows,
    transaction_features,
)
from cftwatch.network.motifs import gather_scatter, scatter_gather, short_cycles
from cftwatch.network.structure import structural_cycles
from cftwatch.workspace import Workspace

DAY = 86_400
CHANNEL_CODES = {"wire": 0, "ach": 1, "cheque": 2, "card": 3, "wallet": 4, "cash": 5}


# --- metrics (pure; tests/network/test_quality_metrics.py) -------------------------------


def matches(found: set[str], inst: set[str]) -> bool:
    """A reported instance (its payment ids) finds a labelled one: at least two shared
    payments (one if the labelled instance has one) and at least half of the reported
    payments are the labelled instance's."""
    shared = len(found & inst)
    return shared >= min(2, len(inst)) and 2 * shared >= len(found) and shared > 0


def motif_scores(
    found: Sequence[set[str]], instances: Sequence[set[str]], laundering: set[str]
) -> dict[str, float]:
    """Recall of `instances` by `found` (see `matches`), and alert precision: the share of
    `found` with at least half their payments in `laundering`."""
    owner: dict[str, list[int]] = {}
    for i, inst in enumerate(instances):
        for t in inst:
            owner.setdefault(t, []).append(i)
    hit: set[int] = set()
    true = 0
    for f in found:
        counts = Counter(i for t in f for i in owner.get(t, ()))
        hit.update(i for i in counts if matches(f, instances[i]))
        true += 2 * len(f & laundering) >= len(f) > 0
    return {
        "instances": len(instances),
        "recall": len(hit) / len(instances) if instances else float("nan"),
        "alerts": len(found),
        "precision": true / len(found) if found else float("nan"),
    }


def top_share(ranked: Sequence[str], positives: set[str], share: float = 0.01) -> float:
    """Share of `positives` among the first `share` of `ranked` (at least one account)."""
    top = ranked[: max(1, int(len(ranked) * share))]
    return sum(a in positives for a in top) / len(top)


def reach_order(hops: dict[str, int], seed: int = 0) -> list[str]:
    """Accounts by fewest hops, ties in a fixed random order (the reachability baseline)."""
    accts = sorted(hops)
    random.Random(seed).shuffle(accts)
    return sorted(accts, key=lambda a: hops[a])


def f1_at(y: np.ndarray, p: np.ndarray, thr: float) -> float:
    """Minority-class F1 of predicting `p >= thr`."""
    pred = p >= thr
    tp = int((pred & (y == 1)).sum())
    fp, fn = int((pred & (y == 0)).sum()), int((~pred & (y == 1)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """The threshold of 0.05, 0.10 .. 0.95 with the best F1 (the lowest on a tie)."""
    grid = [round(0.05 * k, 2) for k in range(1, 20)]
    return max(grid, key=lambda c: (f1_at(y, p, c), -c))


# --- data ---------------------------------------------------------------------------------


@dataclass
class Instance:
    typology: str
    accounts: list[str]
    txns: set[str]
    roles: list[str] = field(default_factory=list)


@dataclass
class Data:
    """Payments as an edges-ready table, labels and instances of one labelled data set."""

    name: str
    txns: pa.Table  # canonical columns used by `payment_edges`
    laundering: set[str]  # payment ids
    instances: list[Instance]
    same_ts: bool
    listed: list[Instance] = field(default_factory=list)  # synth listed_party_payment


NETWORK_TYPOLOGIES = ("cycle", "scatter_gather", "gather_scatter", "fan_out_mules")


def load_synth(accounts: int, seed: int, rate: float) -> Data:
    """A synth run with `rate` instances per 10,000 accounts of each network typology (and
    of listed-party payments); the other typologies at their defaults."""
    from cftwatch.synth import SynthConfig, generate_synth

    rates = dict.fromkeys((*NETWORK_TYPOLOGIES, "listed_party_payment"), rate)
    d = generate_synth(SynthConfig(seed=seed, accounts=accounts, rates=rates))
    lab = d.labels.filter(pc.is_valid(d.labels["txn_id"]))
    insts = [
        Instance(p["typology"], p["accounts"], set(p["txn_ids"]), p["roles"])
        for p in d.patterns.to_pylist()
    ]
    listed = [i for i in insts if i.typology == "listed_party_payment"]
    t = d.transactions.select(
        ["txn_id", "ts", "amount", "currency", "channel", "debtor_account", "creditor_account"]
    )
    return Data("synth", t, set(lab["txn_id"].to_pylist()), insts, False, listed)


def load_amlsim(run: Path) -> Data:
    from pyarrow import csv

    flat = run / "flat"
    opts = csv.ConvertOptions(
        column_types={
            "txn_id": pa.string(),
            "debtor_account": pa.string(),
            "creditor_account": pa.string(),
            "amount": pa.decimal128(24, 8),
            "ts": pa.timestamp("us", tz="UTC"),
        }
    )
    raw = csv.read_csv(flat / "transactions.csv", convert_options=opts)
    t = raw.select(
        ["txn_id", "ts", "amount", "currency", "channel", "debtor_account", "creditor_account"]
    )
    laundering = set(raw.filter(pc.equal(raw["is_laundering"], 1))["txn_id"].to_pylist())
    inst_opts = csv.ConvertOptions(column_types={"member_accounts": pa.string(),
                                                 "txn_ids": pa.string()})  # fmt: skip
    rows = csv.read_csv(flat / "instances.csv", convert_options=inst_opts).to_pylist()
    insts = [
        Instance(r["typology"], r["member_accounts"].split(";"), set(r["txn_ids"].split(";")))
        for r in rows
        if r["is_sar"] == 1
    ]
    return Data(run.name, t, laundering, insts, True)


# --- detectors ----------------------------------------------------------------------------


def fan_out(edges: ir.Table, window_s: int, min_receivers: int) -> ir.Table:
    """Episodes in which one account pays `min_receivers` or more distinct accounts within
    `window_s` (the mule fan-out), with their payments (`txn_ids`). cftwatch.network has no
    fan-out motif of its own; this uses the same episode functions as gather_scatter."""
    keys = ["acct", "currency"]
    r = edges.mutate(acct=edges.src, who=edges.dst)
    anchors = anchors_by_distinct(r, keys, "who", window_s, min_receivers)
    rows = rows_in_episodes(episodes(anchors, keys, window_s), r, keys)
    return rows.group_by([*keys, "ep_start"]).aggregate(txn_ids=rows.txn_id.collect())


def detectors(
    span_s: int, same_ts: bool, max_hops: int = 4
) -> dict[str, Callable[[ir.Table], ir.Table]]:
    """The `cftwatch network motifs` settings (cftwatch.network.show.MOTIF_KINDS; cycles of
    up to `max_hops`, 4 there) and the typologies each is scored on."""
    return {
        "cycles": lambda e: short_cycles(e, max_hops, span_s, span_s, 0.1, same_ts),
        "structural_cycles": lambda e: structural_cycles(e, 3, max_hops, span_s, 200, 0.25),
        "scatter_gather": lambda e: scatter_gather(e, span_s, 0.8, 3, same_ts),
        "gather_scatter": lambda e: gather_scatter(e, e, span_s, 5),
        "fan_out": lambda e: fan_out(e, span_s, 5),
    }


TARGETS = {
    "cycles": ("cycle",),
    "structural_cycles": ("cycle",),
    "scatter_gather": ("scatter_gather",),
    "gather_scatter": ("gather_scatter",),
    "fan_out": ("fan_out_mules", "fan_out"),
}


def motif_part(
    eng: Engine, edges: ir.Table, d: Data, span_s: int, max_hops: int, only: set[str]
) -> list[str]:
    out = []
    for name, fn in detectors(span_s, d.same_ts, max_hops).items():
        if only and name not in only:
            continue
        t0 = time.process_time()
        rows = eng.to_arrow(fn(edges).select("txn_ids")).column("txn_ids").to_pylist()
        cpu = time.process_time() - t0
        found = [set(map(str, r)) for r in rows]
        insts = [i.txns for i in d.instances if i.typology in TARGETS[name]]
        s = motif_scores(found, insts, d.laundering)
        out.append(
            f"  {name:18} recall {s['recall']:6.1%} of {s['instances']:4} "
            f"({'/'.join(TARGETS[name])}); alerts {s['alerts']:6}, precision "
            f"{s['precision']:6.1%}; {cpu:5.1f} s CPU"
        )
    return out


def listed_part(eng: Engine, edges: ir.Table, d: Data) -> list[str]:
    """Synth listed parties: counterparties within one hop, third parties within two."""
    if not d.listed:
        return []
    by_role: dict[str, set[str]] = {"listed": set(), "one_hop": set(), "third_party": set()}
    for i in d.listed:
        for acct, role in zip(i.accounts, i.roles, strict=True):
            by_role[role].add(acct)
    start = eng.register("q_listed", pa.table({"account": sorted(by_role["listed"])}))
    near = {
        r["account"]: r["hops"] for r in eng.to_arrow(reach(edges, start, 2, "both")).to_pylist()
    }
    one = sum(near.get(a, 9) <= 1 for a in by_role["one_hop"]) / len(by_role["one_hop"])
    two = sum(near.get(a, 9) <= 2 for a in by_role["third_party"]) / len(by_role["third_party"])
    n1 = sum(h == 1 for h in near.values())
    n2 = sum(h == 2 for h in near.values())
    seeds = eng.register("q_lseeds", pa.Table.from_pylist(listed_seeds(by_role["listed"], "L")))
    ex = eng.to_arrow(exposure(edges, seeds, 3)).to_pylist()
    alerts = {r["account"] for r in ex if r["exposure"] >= 0.5 and r["hops"] > 0}
    members = by_role["one_hop"] | by_role["third_party"]
    prec = len(alerts & members) / len(alerts) if alerts else float("nan")
    rec = len(alerts & members) / len(members)
    return [
        f"  listed parties {len(by_role['listed'])}: one-hop counterparties within 1 hop "
        f"{one:.1%} (of {len(by_role['one_hop'])}; {n1} accounts at 1 hop), third parties "
        f"within 2 hops {two:.1%} (of {len(by_role['third_party'])}; {n2} at 2 hops)",
        f"  exposure alerts (>= 0.5, 3 hops, downstream of listed accounts): {len(alerts)}, "
        f"precision {prec:.1%}, recall of pattern accounts {rec:.1%}",
    ]


# --- exposure ranking ---------------------------------------------------------------------


def seed_split(instances: Sequence[Instance], seed: int) -> tuple[list[str], set[str], set[str]]:
    """Half the instances (fixed draw) give one member each as seed: (seeds, ring-mates of
    the seeds, members of the other instances)."""
    rng = random.Random(seed)
    order = list(range(len(instances)))
    rng.shuffle(order)
    half = set(order[: len(order) // 2])
    seeds, mates, others = [], set(), set()
    for i, inst in enumerate(instances):
        accts = sorted(set(inst.accounts))
        if i in half:
            s = rng.choice(accts)
            seeds.append(s)
            mates.update(a for a in accts if a != s)
        else:
            others.update(accts)
    return seeds, mates - set(seeds), others - set(seeds)


def ranking_part(eng: Engine, edges: ir.Table, d: Data) -> list[str]:
    insts = [i for i in d.instances if i.typology != "listed_party_payment"]
    seeds, mates, others = seed_split(insts, 11)
    s_t = eng.register("q_seeds", pa.Table.from_pylist(listed_seeds(seeds, "SAR")))
    t0 = time.process_time()
    rows = eng.to_arrow(exposure(edges, s_t, 3)).to_pylist()
    cpu = time.process_time() - t0
    seed_set = set(seeds)
    rows = [r for r in rows if r["account"] not in seed_set]
    by_exp = [r["account"] for r in sorted(rows, key=lambda r: (-r["exposure"], r["hops"],
                                                                r["account"]))]  # fmt: skip
    all_accts = set(
        pc.unique(pa.concat_arrays([a.combine_chunks() for a in (
            d.txns["debtor_account"], d.txns["creditor_account"])])).to_pylist()
    )  # fmt: skip
    all_accts.discard(None)
    rest = sorted(all_accts - seed_set - set(by_exp))
    random.Random(0).shuffle(rest)
    by_exp += rest  # unreached accounts after the reached ones
    by_hops = reach_order({r["account"]: r["hops"] for r in rows}) + rest
    n = len(by_exp)
    lines = [
        f"  {len(seeds)} seeds (one member of each of {len(insts) // 2} instances); "
        f"{n} other accounts, {len(rows)} within 3 hops ({len(rows) / n:.1%}); "
        f"exposure {cpu:.1f} s CPU"
    ]
    for label, pos in (("ring-mates of seeds", mates), ("members of other instances", others)):
        lines.append(
            f"  top 1 % ({max(1, n // 100)}): {label}: exposure {top_share(by_exp, pos):.1%}, "
            f"reachability {top_share(by_hops, pos):.1%}, base rate {len(pos) / n:.2%}"
        )
    return lines


# --- gradient boosting --------------------------------------------------------------------


def training_rows(y: np.ndarray, rows: np.ndarray, neg_share: float, seed: int = 0) -> np.ndarray:
    """Of the boolean mask `rows`: every positive and a fixed random `neg_share` of the
    negatives (fitting cost; the threshold and the test use every row)."""
    keep = np.random.default_rng(seed).random(len(y)) < neg_share
    return rows & ((y == 1) | keep)


def gbm_f1(x: np.ndarray, y: np.ndarray, t: np.ndarray, neg_share: float = 1.0) -> dict[str, float]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    order = np.argsort(t, kind="stable")
    n = len(t)
    val, cut = t[order[int(n * 0.56)]], t[order[int(n * 0.7)]]
    fit, tune, test = t < val, (t >= val) & (t < cut), t >= cut
    m = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.1, random_state=0)
    rows = training_rows(y, fit, neg_share)
    m.fit(x[rows], y[rows])
    thr = best_threshold(y[tune], m.predict_proba(x[tune])[:, 1])
    rows = training_rows(y, t < cut, neg_share)
    m.fit(x[rows], y[rows])
    pt = m.predict_proba(x[test])[:, 1]
    return {"f1": f1_at(y[test], pt, thr), "threshold": thr, "test_pos": int(y[test].sum())}


def gbm_part(eng: Engine, edges: ir.Table, d: Data, cycle_hops: int, neg_share: float) -> list[str]:
    wins = parse_windows("1d,7d,30d")
    t0, c0 = time.perf_counter(), time.process_time()
    st = feature_stream(edges, wins, None, cycle_hops=cycle_hops, same_ts=d.same_ts).cache()
    tx = eng.to_arrow(transaction_features(st, edges, wins)).to_pandas()
    st.release()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    e = eng.to_arrow(edges.select("txn_id", "channel")).to_pandas()
    chan = dict(zip(e.txn_id, e.channel.map(lambda c: CHANNEL_CODES.get(c, 9)), strict=True))
    tx["channel"] = tx.txn_id.map(chan)
    tx["weekday"] = (tx.ts_s // DAY + 4) % 7
    y = tx.txn_id.isin(d.laundering).to_numpy().astype(int)
    base = ["amt", "channel", "weekday"]
    graph = ["ttf_s"] + [f"{s}_{n}" for s in ("src", "dst") for n in feature_names(wins)]
    t = tx.ts_s.to_numpy()
    x = tx[base + graph].to_numpy(np.float32)  # float32: half the memory at AMLSim size
    del tx
    only = gbm_f1(x[:, : len(base)], y, t, neg_share)
    both = gbm_f1(x, y, t, neg_share)
    return [
        f"  features: {len(graph)} graph columns, {len(y)} payments, {wall:.0f} s wall, "
        f"{cpu:.0f} s CPU (cycle hops {cycle_hops}); fitted on all positives and "
        f"{neg_share:.0%} of negatives",
        f"  minority-class F1, temporal 70/30: transaction features {only['f1']:.3f} "
        f"(thr {only['threshold']:.2f}); + graph features {both['f1']:.3f} "
        f"(thr {both['threshold']:.2f}); test positives {both['test_pos']} of "
        f"{int((t >= np.quantile(t, 0.7)).sum())}",
    ]


# --- main ---------------------------------------------------------------------------------


def run(d: Data, a: argparse.Namespace) -> None:
    span_s = int(float(a.span.rstrip("d")) * DAY)
    only = set(a.detectors.split(",")) if a.detectors else set()
    with tempfile.TemporaryDirectory() as tmp, Workspace.init(Path(tmp) / "ws") as ws:
        eng = ws.engine("duckdb")
        if not re.fullmatch(r"\d+(\.\d+)?[KMGT]B", a.duckdb_memory):
            raise SystemExit(f"--duckdb-memory must look like 2GB, not {a.duckdb_memory!r}")
        eng.backend.raw_sql(f"SET memory_limit = '{a.duckdb_memory}'")  # peak RSS bound
        edges = eng.materialise(payment_edges(eng.register("q_txns", d.txns)))
        n = eng.to_arrow(edges.count().as_table()).column(0)[0].as_py()
        print(f"{d.name}: {n} payments, {len(d.laundering)} laundering, "
              f"{len(d.instances)} labelled instances")  # fmt: skip
        blocks: dict[str, Callable[[], list[str]]] = {
            "motifs": lambda: (
                motif_part(eng, edges, d, span_s, a.max_hops, only) + listed_part(eng, edges, d)
            ),
            "ranking": lambda: ranking_part(eng, edges, d),
            "gbm": lambda: gbm_part(eng, edges, d, a.cycle_hops, a.neg_share),
        }
        for p in a.parts.split(","):
            t0 = time.perf_counter()
            lines = blocks[p]()
            print(f"[{p}] ({time.perf_counter() - t0:.0f} s wall)")
            print("\n".join(lines), flush=True)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", choices=("synth", "amlsim"), default="synth")
    ap.add_argument("--run", type=Path, default=Path("/work/research/sim/runs/amlsim_heldout"))
    ap.add_argument("--accounts", type=int, default=10_000, help="synth accounts")
    ap.add_argument("--seed", type=int, default=7, help="synth seed")
    ap.add_argument("--rate", type=float, default=10.0, help="synth instances per 10k accounts")
    ap.add_argument("--span", default="7d", help="motif span in days (7d)")
    ap.add_argument("--max-hops", type=int, default=4, help="longest cycle searched (4)")
    ap.add_argument("--detectors", default="", help="only these detectors (comma-separated)")
    ap.add_argument("--cycle-hops", type=int, default=4, help="cycle columns of the features")
    ap.add_argument("--parts", default="motifs,ranking,gbm")
    ap.add_argument("--neg-share", type=float, default=0.1, help="negatives fitted on (0.1)")
    ap.add_argument("--duckdb-memory", default="2GB", help="DuckDB memory_limit (2GB)")
    a = ap.parse_args(argv)
    d = load_synth(a.accounts, a.seed, a.rate) if a.data == "synth" else load_amlsim(a.run)
    run(d, a)


if __name__ == "__main__":
    main()
