"""Graph features for learning: per payment and per account, over several windows.

Every feature of a payment is computed only from payments *strictly before* its time (the
window frame is `[ts - w, ts - 1]` in epoch seconds), so adding a later payment never
changes an earlier row (tested). Each payment is one event on its payer's line (`out`) and
one on its payee's line (`in`); cycle and scatter-gather completions are events on their
members' lines at the time they complete; the account rows are queries one second after
the latest payment. One pass of range windows over that stream gives every column, in
plain Ibis, so DuckDB and Spark give the same rows. Columns: docs/network.md, "Graph
features".
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from cftwatch.errors import InputError
from cftwatch.network.exposure import _carried, payment_edges, screening_seeds
from cftwatch.network.exposure_run import read_seed_file
from cftwatch.network.motifs import short_cycles
from cftwatch.workspace import Workspace

DAY = 86_400
DEFAULT_WINDOWS = ("1d", "7d", "30d")

PER_WINDOW = (
    "out_n", "out_sum", "out_mean", "out_max", "out_var",
    "in_n", "in_sum", "in_mean", "in_max", "in_var",
    "fan_out", "fan_in", "degree", "ttf_mean", "cycles", "sg", "exposed_in", "exposure",
)  # fmt: skip
"""Columns computed for every window (suffix `_1d`, `_7d`, ...), see docs/network.md."""


def parse_windows(text: str | Sequence[str]) -> list[tuple[str, int]]:
    """'1d,7d,30d' (or 12h) -> [(label, seconds)], in the given order, no duplicates."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    out: dict[str, int] = {}
    for raw in parts:
        p = raw.strip().lower()
        unit = {"d": DAY, "h": 3600}.get(p[-1:]) if p else None
        num = p[:-1]
        if unit is None or not num.isdigit() or int(num) <= 0:
            raise InputError.at("window must be like 1d, 7d or 12h", field="windows", value=raw)
        out[p] = int(num) * unit
    if not out:
        raise InputError.at("give at least one window", field="windows", value=text)
    return list(out.items())


def with_gaps(t: ir.Table, keys: Sequence[str], cp: str, ts: str, tie: str) -> ir.Table:
    """Add `{cp}_pg`/`{cp}_ng`: seconds since the previous / until the next row of the same
    (`keys`, `cp`) pair, ordered by `ts` then `tie` (null: none; rows with a null `cp` get
    null). What `distinct_in_frame` counts with."""
    w = ibis.window(group_by=[*[t[k] for k in keys], t[cp]], order_by=[t[ts], t[tie]])
    prev, nxt = t[ts].lag().over(w), t[ts].lead().over(w)
    has = t[cp].notnull()
    return t.mutate(
        **{
            f"{cp}_pg": ibis.ifelse(has, t[ts] - prev, None),
            f"{cp}_ng": ibis.ifelse(has, nxt - t[ts], None),
            f"{cp}_has": ibis.ifelse(has, 1, 0),
        }
    )


def distinct_in_frame(
    t: ir.Table, keys: Sequence[str], cp: str, ts: str, w: int, d: int
) -> ir.Value:
    """Exact number of distinct `cp` among the rows of the same `keys` with `ts` in
    [T - w, T - d] (d = 0 or 1), from plain running sums (no per-row lists: hubs stay
    cheap, and Spark has no DISTINCT window aggregate). A pair's rows form links between
    consecutive rows; a value is counted at its first row in the frame: a row whose previous
    one lies more than w - d before it (or has none), plus each link of at most w - d that
    crosses the frame's start (started before T - w, ended after it). `t` needs
    `with_gaps(t, keys, cp, ...)`."""
    g, pg, ng = w - d, t[f"{cp}_pg"], t[f"{cp}_ng"]
    grp = [t[k] for k in keys]
    frame = ibis.window(group_by=grp, order_by=t[ts], range=(-w, -d))
    before = ibis.window(group_by=grp, order_by=t[ts], range=(None, -w - 1))
    first = ibis.ifelse((t[f"{cp}_has"] == 1) & (pg.isnull() | (pg > g)), 1, 0)
    starts = ibis.ifelse(ng.notnull() & (ng <= g), 1, 0)
    ends = ibis.ifelse(pg.notnull() & (pg <= g), 1, 0)
    inside = first.sum().over(frame).fill_null(0)
    crossing = (starts - ends).sum().over(before).fill_null(0)
    return (inside + crossing).cast("int64")


def _null(kind: str) -> ir.Value:
    return ibis.literal(None, type=kind)


def _events(edges: ir.Table, tv: ir.Table | None) -> ir.Table:
    """One row per payment side: the payer's `out` event and the payee's `in` event."""
    if tv is not None:
        edges = edges.left_join(tv, edges.txn_id == tv._tx).drop("_tx")
        edges = edges.mutate(tv=edges.tv.fill_null(0.0))
    else:
        edges = edges.mutate(tv=ibis.literal(0.0))
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
    out = edges.select(
        acct=edges.src, ts_s=edges.ts_s, txn_id=edges.txn_id, kind=ibis.literal("out"),
        amt_out=edges.amt, amt_in=_null("float64"), cp_out=edges.dst, cp_in=_null("string"),
        cp=edges.dst, ts_in=_null("int64"), tv_in=ibis.literal(0.0), n_out=one, n_in=zero,
        cyc=zero, sg=zero,
    )  # fmt: skip
    inn = edges.select(
        acct=edges.dst, ts_s=edges.ts_s, txn_id=edges.txn_id, kind=ibis.literal("in"),
        amt_out=_null("float64"), amt_in=edges.amt, cp_out=_null("string"), cp_in=edges.src,
        cp=edges.src, ts_in=edges.ts_s, tv_in=edges.tv, n_out=zero, n_in=one,
        cyc=zero, sg=zero,
    )  # fmt: skip
    return out.union(inn, distinct=False)


def _marks(who: ir.Table, col: str) -> ir.Table:
    """Stream rows for motif completions: (acct, ts_s) with `col` = 1."""
    zero, one = ibis.literal(0, "int64"), ibis.literal(1, "int64")
    return who.select(
        acct=who.acct, ts_s=who.ts_s, txn_id=_null("string"), kind=ibis.literal(col),
        amt_out=_null("float64"), amt_in=_null("float64"), cp_out=_null("string"),
        cp_in=_null("string"), cp=_null("string"), ts_in=_null("int64"),
        tv_in=ibis.literal(0.0), n_out=zero, n_in=zero,
        cyc=one if col == "cyc" else zero, sg=one if col == "sg" else zero,
    )  # fmt: skip


def cycle_marks(edges: ir.Table, max_hops: int, window_s: int, same_ts: bool) -> ir.Table:
    """(acct, ts_s): each member of a time-respecting cycle, at the cycle's last payment."""
    c = short_cycles(edges, max_hops, window_s, window_s, max_fee=0.2, same_ts=same_ts)
    c = c.select(acct=c.members.unnest(), ts_s=c.t_last)
    return c


def scatter_gather_marks(
    edges: ir.Table, window_s: int, min_intermediaries: int = 3, share: float = 0.8
) -> ir.Table:
    """(acct, ts_s): source, intermediary and target of every relay `src -> mid -> dst`
    (onward payment within `window_s`, `share`..1 of the amount) that completes, at its
    onward payment, a pair (src, dst) with `min_intermediaries` distinct intermediaries in
    the `window_s` up to then. Uses only payments up to that time."""
    a = edges.select(src=edges.src, mid=edges.dst, c1=edges.currency, t1=edges.ts_s,
                     a1=edges.amt, x1=edges.txn_id)  # fmt: skip
    b = edges.select(_m=edges.src, dst=edges.dst, c2=edges.currency, t2=edges.ts_s,
                     a2=edges.amt, x2=edges.txn_id)  # fmt: skip
    j = a.join(
        b,
        [a.mid == b._m, a.c1 == b.c2, b.t2 >= a.t1, b.t2 <= a.t1 + window_s,
         b.a2 >= a.a1 * share, b.a2 <= a.a1, b.dst != a.src],
    )  # fmt: skip
    j = with_gaps(j.mutate(rid=j.x1.concat(">", j.x2)), ["src", "dst"], "mid", "t2", "rid")
    j = j.mutate(k=distinct_in_frame(j, ["src", "dst"], "mid", "t2", window_s, 0))
    hit = j.filter(j.k >= min_intermediaries)
    parts = [hit.select(acct=hit[c], ts_s=hit.t2) for c in ("src", "mid", "dst")]
    return parts[0].union(parts[1]).union(parts[2])


def hop_arrivals(edges: ir.Table, seeds: ir.Table, hops: int) -> ir.Table:
    """(acct, a1 .. a{hops}): per account the earliest arrival (epoch seconds) of a
    time-respecting path from a seed with exactly h payments; seeds themselves excluded."""
    s = seeds.select(_seed=seeds.account).distinct()
    e0 = edges.select(_s=edges.src, _d=edges.dst, _t=edges.ts_s)
    first = e0.join(s, e0._s == s._seed)
    frontier = first.group_by(acct=first._d).aggregate(arr=first._t.min())
    sv = s.view()
    frontier = frontier.anti_join(sv, frontier.acct == sv._seed)
    out = frontier.select(acct=frontier.acct, a1=frontier.arr)
    for h in range(2, hops + 1):
        e = e0.view()
        j = frontier.join(e, [frontier.acct == e._s, e._t > frontier.arr])
        frontier = j.group_by(acct=j._d).aggregate(arr=j._t.min())
        sv = s.view()
        frontier = frontier.anti_join(sv, frontier.acct == sv._seed)
        f = frontier.select(_a=frontier.acct, **{f"a{h}": frontier.arr})
        out = out.outer_join(f, out.acct == f._a)
        out = out.mutate(acct=out.acct.fill_null(out._a)).drop("_a")
    return out


def _taint(edges: ir.Table, seeds: ir.Table, hops: int) -> ir.Table:
    """(_tx, tv): seed money each payment carries under FIFO over all the payments (each
    payment's value depends only on earlier payments)."""
    seed_set = seeds.select(_seed=seeds.account).distinct()
    taint = edges.filter(ibis.literal(False)).select(_tx=edges.txn_id, tv=edges.amt)
    for _ in range(hops):
        taint = _carried(edges, seed_set, taint, "fifo", 1.0)
    return taint


def _aggregates(s: ir.Table, windows: list[tuple[str, int]]) -> dict[str, ir.Value]:
    cols: dict[str, ir.Value] = {}
    for label, w in windows:
        win = ibis.window(group_by=s.acct, order_by=s.ts_s, range=(-w, -1))

        def agg(x: ir.Value, win: object = win) -> ir.Value:
            return x.over(win)

        z = ibis.literal(0.0)
        part = {
            "out_n": agg(s.n_out.sum()).fill_null(0),
            "out_sum": agg(s.amt_out.sum()).fill_null(z),
            "out_mean": agg(s.amt_out.mean()),
            "out_max": agg(s.amt_out.max()),
            "out_var": agg(s.amt_out.var()),
            "in_n": agg(s.n_in.sum()).fill_null(0),
            "in_sum": agg(s.amt_in.sum()).fill_null(z),
            "in_mean": agg(s.amt_in.mean()),
            "in_max": agg(s.amt_in.max()),
            "in_var": agg(s.amt_in.var()),
            "fan_out": distinct_in_frame(s, ["acct"], "cp_out", "ts_s", w, 1),
            "fan_in": distinct_in_frame(s, ["acct"], "cp_in", "ts_s", w, 1),
            "degree": distinct_in_frame(s, ["acct"], "cp", "ts_s", w, 1),
            "ttf_mean": agg(s.ttf_s.mean()),
            "cycles": agg(s.cyc.sum()).fill_null(0),
            "sg": agg(s.sg.sum()).fill_null(0),
            "exposed_in": agg(s.tv_in.sum()).fill_null(z),
        }
        part["exposure"] = ibis.ifelse(
            part["in_sum"] > 0, ibis.least(part["exposed_in"] / part["in_sum"], 1.0), z
        )
        cols.update({f"{k}_{label}": v.cast(_TYPES.get(k, "float64")) for k, v in part.items()})
    return cols


_TYPES = {k: "int64" for k in ("out_n", "in_n", "fan_out", "fan_in", "degree", "cycles", "sg")}


def feature_stream(
    edges: ir.Table,
    windows: list[tuple[str, int]],
    seeds: ir.Table | None = None,
    hops: int = 3,
    cycle_hops: int = 4,
    motif_window_s: int = 30 * DAY,
    same_ts: bool = False,
) -> ir.Table:
    """The event stream with every feature column; `kind` is out/in (a payment's sides),
    cyc/sg (motif completions) or q (an account query after the latest payment)."""
    tv = _taint(edges, seeds, hops) if seeds is not None else None
    ev = _events(edges, tv)
    marks = [
        _marks(cycle_marks(edges, cycle_hops, motif_window_s, same_ts), "cyc"),
        _marks(scatter_gather_marks(edges, motif_window_s), "sg"),
    ]
    accts = ev.select("acct").distinct()
    last = edges.ts_s.max().as_scalar() + 1
    q = _marks(accts.mutate(ts_s=last), "q")
    stream = ev.union(marks[0], distinct=False).union(marks[1], distinct=False)
    stream = stream.union(q, distinct=False)
    ever = ibis.window(group_by=stream.acct, order_by=stream.ts_s, range=(None, -1))
    last_in = stream.ts_in.max().over(ever)
    stream = stream.mutate(
        ttf_s=ibis.ifelse(stream.kind == "out", (stream.ts_s - last_in).cast("float64"), None)
    )
    for cp in ("cp_out", "cp_in", "cp"):
        stream = with_gaps(stream, ["acct"], cp, "ts_s", "txn_id")
    stream = stream.mutate(**_aggregates(stream, windows))
    if seeds is None:
        return stream.mutate(hops=_null("int64"))
    arr = hop_arrivals(edges, seeds, hops)
    arr = arr.rename(_acct="acct")
    stream = stream.left_join(arr, stream.acct == arr._acct).drop("_acct")
    ss = seeds.select(_seed=seeds.account).distinct()
    stream = stream.left_join(ss, stream.acct == ss._seed)
    cases = [(stream._seed.notnull(), 0)]
    cases += [(stream[f"a{h}"] < stream.ts_s, h) for h in range(1, hops + 1)]
    hop_expr = ibis.cases(*cases, else_=None).cast("int64")
    return stream.mutate(hops=hop_expr).drop("_seed", *[f"a{h}" for h in range(1, hops + 1)])


def feature_names(windows: list[tuple[str, int]]) -> list[str]:
    """The per-window feature columns, plus `hops` (distance to the nearest seed)."""
    return [f"{k}_{label}" for label, _ in windows for k in PER_WINDOW] + ["hops"]


def transaction_features(
    stream: ir.Table, edges: ir.Table, windows: list[tuple[str, int]]
) -> ir.Table:
    """One row per payment: txn_id, ts_s, src, dst, amt, `ttf_s` (seconds since the payer
    was last paid), and every feature of the payer (`src_...`) and the payee (`dst_...`)."""
    names = feature_names(windows)
    o = stream.filter(stream.kind == "out")
    o = o.select(_x=o.txn_id, ttf_s=o.ttf_s, **{f"src_{n}": o[n] for n in names})
    i = stream.filter(stream.kind == "in")
    i = i.select(_y=i.txn_id, **{f"dst_{n}": i[n] for n in names})
    base = edges.select("txn_id", "ts_s", "src", "dst", "amt")
    r = base.join(o, base.txn_id == o._x).drop("_x")
    return r.join(i, r.txn_id == i._y).drop("_y")


def account_features(stream: ir.Table, windows: list[tuple[str, int]]) -> ir.Table:
    """One row per account: its features in the windows up to the latest payment."""
    q = stream.filter(stream.kind == "q")
    return q.select("acct", as_of_s=q.ts_s - 1, **{n: q[n] for n in feature_names(windows)})


def accounts_path(out: Path) -> Path:
    """Where the account rows go: `features.parquet` -> `features.accounts.parquet`."""
    return out.with_name(out.stem + ".accounts" + (out.suffix or ".parquet"))


def _write(table: pa.Table, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    os.replace(tmp, path)


def run_features(
    ws: Workspace,
    out: Path,
    windows: str = ",".join(DEFAULT_WINDOWS),
    seeds_file: Path | None = None,
    threshold: float = 0.85,
    hops: int = 3,
    engine: str | None = None,
) -> dict[str, Any]:
    """Compute the features of every payment and account in the workspace and write them
    to `out` (payments) and `accounts_path(out)` (accounts), each replaced atomically."""
    wins = parse_windows(windows)
    if not 1 <= hops <= 10:
        raise InputError.at("hops must be 1..10", field="hops", value=hops)
    file_seeds = read_seed_file(seeds_file) if seeds_file else []
    eng = ws.engine(engine)
    if not ws.has_table("transactions"):
        raise InputError.at("the workspace has no transactions yet", field="transactions")
    txns = eng.table("transactions")
    edges = payment_edges(txns)
    schema = pa.schema([("account", pa.string()), ("seed_reason", pa.string())])
    seeds = eng.register("_features_file_seeds", pa.Table.from_pylist(file_seeds, schema=schema))
    if ws.has_table("alerts"):
        seeds = seeds.union(screening_seeds(eng.table("alerts"), txns, threshold))
    date_only = ws.scalar(
        "SELECT coalesce(bool_and(epoch(ts) % 86400 = 0), false) FROM transactions"
    )
    stream = feature_stream(edges, wins, seeds, hops, same_ts=bool(date_only)).cache()
    tx = eng.to_arrow(transaction_features(stream, edges, wins).order_by(["ts_s", "txn_id"]))
    acc = eng.to_arrow(account_features(stream, wins).order_by("acct"))
    stream.release()
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(tx, out)
    _write(acc, accounts_path(out))
    n_seeds = eng.to_arrow(seeds.select("account").distinct()).num_rows
    return {
        "transactions": tx.num_rows,
        "accounts": acc.num_rows,
        "columns": tx.num_columns,
        "seeds": n_seeds,
        "windows": [w for w, _ in wins],
        "out": str(out),
        "accounts_out": str(accounts_path(out)),
    }


__all__ = [
    "DEFAULT_WINDOWS",
    "PER_WINDOW",
    "account_features",
    "accounts_path",
    "cycle_marks",
    "feature_names",
    "feature_stream",
    "hop_arrivals",
    "parse_windows",
    "run_features",
    "scatter_gather_marks",
    "transaction_features",
]
