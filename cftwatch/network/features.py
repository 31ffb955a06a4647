"""Graph features for learning: per payment and per account, over several windows.

Every feature of a payment is computed only from payments *strictly before* its time (the
window frame is `[ts - w, ts - 1]` in epoch seconds), so adding a later payment never
changes an earlier row (tested). Each payment is one row on its payer's line (`out`) and
one on its payee's line (`in`); cycle and scatter-gather completions are rows on their
members' lines at the time they complete; the account rows are queries one second after
the latest payment. Set-based, a few passes: the rows are summed per (account, second);
one ordered pass per account gives running sums over the seconds strictly before each one,
and a window's value is the running sum at the second minus the running sum at the first
second inside the window (found by a RANGE count and read back by an equi-join on the
index); only the maxima use RANGE frames. Plain Ibis, so DuckDB and Spark give the same
rows. Columns: docs/network.md, "Graph features"."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from cftwatch.engine import materialise
from cftwatch.errors import InputError
from cftwatch.network.exposure import _carried, payment_edges, screening_seeds
from cftwatch.network.exposure_run import read_seed_file
from cftwatch.network.feature_marks import cycle_marks, scatter_gather_marks
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


def _null(kind: str) -> ir.Value:
    return ibis.literal(None, type=kind)


def _side_rows(edges: ir.Table, tv: ir.Table | None) -> ir.Table:
    """One row per payment side: the payer's `out` row and the payee's `in` row, each with
    its counterparty `cp`, amount and (in) seed value carried."""
    if tv is not None:
        edges = edges.left_join(tv, edges.txn_id == tv._tx).drop("_tx")
        edges = edges.mutate(tv=edges.tv.fill_null(0.0))
    else:
        edges = edges.mutate(tv=ibis.literal(0.0))
    out = edges.select(acct=edges.src, cp=edges.dst, ts_s=edges.ts_s, txn_id=edges.txn_id,
                       out=ibis.literal(1, "int64"), amt=edges.amt, tv=ibis.literal(0.0))  # fmt: skip
    inn = edges.select(acct=edges.dst, cp=edges.src, ts_s=edges.ts_s, txn_id=edges.txn_id,
                       out=ibis.literal(0, "int64"), amt=edges.amt, tv=edges.tv)  # fmt: skip
    return out.union(inn, distinct=False)


def _gap_flags(
    t: ir.Table, keys: Sequence[str], tag: str, windows: list[tuple[str, int]]
) -> ir.Table:
    """Per row, for each window w: `f_{tag}_{w}` (the row counts for its counterparty in a
    frame ending at or after it) and `d_{tag}_{w}` (first - link start + link end), so that
    the distinct counterparties in [T - w, T - 1] are F(< T) - D(< T - w) (see
    `distinct_in_frame`, the same count from running sums)."""
    w = ibis.window(group_by=[t[k] for k in keys], order_by=[t.ts_s, t.txn_id])
    pg, ng = t.ts_s - t.ts_s.lag().over(w), t.ts_s.lead().over(w) - t.ts_s
    t = t.mutate(_pg=pg, _ng=ng)
    cols: dict[str, ir.Value] = {}
    for label, secs in windows:
        g = secs - 1
        first = ibis.ifelse(t._pg.isnull() | (t._pg > g), 1, 0)
        starts = ibis.ifelse(t._ng.notnull() & (t._ng <= g), 1, 0)
        ends = ibis.ifelse(t._pg.notnull() & (t._pg <= g), 1, 0)
        cols[f"f_{tag}_{label}"] = first.cast("int64")
        cols[f"d_{tag}_{label}"] = (first - starts + ends).cast("int64")
    return t.mutate(**cols).drop("_pg", "_ng")


_KINDS = (("out", "fan_out"), ("in", "fan_in"), ("all", "degree"))


def _groups(
    sides: ir.Table, marks: ir.Table, points: ir.Table, windows: list[tuple[str, int]]
) -> ir.Table:
    """One row per (acct, ts_s) with anything at that second: the sums of its rows."""
    by_dir = _gap_flags(sides, ["acct", "out", "cp"], "d", windows)
    rows = _gap_flags(by_dir, ["acct", "cp"], "all", windows)
    earlier = ibis.window(group_by=rows.acct, order_by=rows.ts_s, range=(None, -1))
    rows = rows.mutate(_li=ibis.ifelse(rows.out == 0, rows.ts_s, None).max().over(earlier))
    o, z = rows.out == 1, ibis.literal(0.0)
    has = rows._li.notnull()  # paid before: time-to-forward of its payments out
    gap = (rows.ts_s - rows._li).cast("float64")
    sums = {
        "n_out": rows.out, "s_out": ibis.ifelse(o, rows.amt, z),
        "q_out": ibis.ifelse(o, rows.amt * rows.amt, z),
        "n_in": 1 - rows.out, "s_in": ibis.ifelse(o, z, rows.amt),
        "q_in": ibis.ifelse(o, z, rows.amt * rows.amt), "tv_in": rows.tv,
        "cyc": ibis.literal(0, "int64"), "sg": ibis.literal(0, "int64"),
        "q": ibis.literal(0, "int64"),
        "t_sum": ibis.ifelse(o & has, gap, z), "t_n": ibis.ifelse(o & has, 1, 0).cast("int64"),
    }  # fmt: skip
    for label, _ in windows:
        for kind, _name in _KINDS:
            for f in ("f", "d"):
                src = rows[f"{f}_{'all' if kind == 'all' else 'd'}_{label}"]
                if kind != "all":
                    src = ibis.ifelse(o if kind == "out" else ~o, src, 0)
                sums[f"{f}_{kind}_{label}"] = src
    r = rows.select("acct", "ts_s", mx_out=ibis.ifelse(o, rows.amt, None),
                    mx_in=ibis.ifelse(o, None, rows.amt), ttf_s=ibis.ifelse(has, gap, None),
                    **sums)  # fmt: skip
    zero = {k: ibis.literal(0, v.type()) for k, v in sums.items()}
    nul = {"mx_out": _null("float64"), "mx_in": _null("float64"), "ttf_s": _null("float64")}
    m = marks.select("acct", "ts_s", **nul, **{**zero, "cyc": marks.cyc, "sg": marks.sg})
    p = points.select("acct", "ts_s", **nul, **{**zero, "q": ibis.literal(1, "int64")})
    u = r.union(m, distinct=False).union(p, distinct=False)
    aggs = {k: u[k].sum().cast(v.type()) for k, v in sums.items()}  # DuckDB: int64 not int128
    return u.group_by(["acct", "ts_s"]).aggregate(
        mx_out=u.mx_out.max(), mx_in=u.mx_in.max(), ttf_s=u.ttf_s.max(), **aggs
    )


_FLOATS = ("s_out", "q_out", "s_in", "q_in", "tv_in", "t_sum")
_BITS = 2.0**26
"""Two counts below 2**26 share one float64 running sum (low + high * 2**26, exact below
2**53): half the window columns to sort and look up."""


def _packs(windows: list[tuple[str, int]], packed: bool) -> dict[str, tuple[str, ...]]:
    """Running-sum column -> the per-group columns it holds (one float, or one or two counts:
    low part first)."""
    counts: list[tuple[str, ...]] = [("n_out", "n_in"), ("cyc", "sg"), ("t_n",)]
    for label, _ in windows:
        counts += [(f"f_{k}_{label}", f"d_{k}_{label}") for k, _n in _KINDS]
    if not packed:
        counts = [(c,) for pair in counts for c in pair]
    return {"__".join(p): p for p in [*[(f,) for f in _FLOATS], *counts]}


def _window_of(parts: tuple[str, ...]) -> str | None:
    """The window label of a distinct-count column (`f_out_7d` -> `7d`), else None."""
    return parts[0].rsplit("_", 1)[1] if parts[0][:2] in ("f_", "d_") else None


def _part(p: ir.Table, prefix: str, col: str, packs: dict[str, tuple[str, ...]]) -> ir.Value:
    """The running sum of per-group column `col`, read from its (packed) column."""
    name, parts = next((n, ps) for n, ps in packs.items() if col in ps)
    x = p[prefix + name]
    if len(parts) == 1:
        return x
    hi = (x / _BITS).floor()  # exact: a power of two
    return hi if col == parts[1] else x - hi * _BITS


def _running(
    g: ir.Table, windows: list[tuple[str, int]], packs: dict[str, tuple[str, ...]]
) -> ir.Table:
    """Per group: its index on the account's line, the index of the first group inside
    each window (`j_{w}`), the window maxima, and the running sums of every (packed) column
    over the groups strictly before it (`c_...`). One window specification (account, time)
    for all, so the engine sorts the groups once."""
    gw = ibis.window(group_by=g.acct, order_by=g.ts_s)
    cols: dict[str, ir.Value] = {"idx": ibis.row_number().over(gw)}
    for label, w in windows:
        older = ibis.window(group_by=g.acct, order_by=g.ts_s, range=(None, -w - 1))
        frame = ibis.window(group_by=g.acct, order_by=g.ts_s, range=(-w, -1))
        cols[f"j_{label}"] = g.ts_s.count().over(older).fill_null(0).cast("int64")
        cols[f"out_max_{label}"] = g.mx_out.max().over(frame)
        cols[f"in_max_{label}"] = g.mx_in.max().over(frame)
    before = ibis.window(group_by=g.acct, order_by=g.ts_s, rows=(None, -1))
    for name, parts in packs.items():
        # float64 (exact below 2**53): DuckDB sums int64 into int128
        v = g[parts[0]].cast("float64")
        if len(parts) > 1:
            v = v + g[parts[1]].cast("float64") * _BITS
        cols[f"c_{name}"] = v.sum().over(before).fill_null(0.0)
    return g.mutate(**cols)


def _window_values(
    p: ir.Table, label: str, packs: dict[str, tuple[str, ...]]
) -> dict[str, ir.Value]:
    """The features of window `label` from the running sums at the group (`c_x`) and at the
    first group inside the window (`w{label}_x`): the frame holds their difference."""

    def at(prefix: str, k: str) -> ir.Value:
        return _part(p, prefix, k, packs)

    def diff(k: str) -> ir.Value:
        return at("c_", k) - at(f"w{label}_", k)

    n_out, n_in, s_out, s_in = diff("n_out"), diff("n_in"), diff("s_out"), diff("s_in")
    t_n = diff("t_n")

    def var(n: ir.Value, s: ir.Value, q: ir.Value) -> ir.Value:
        v = (q - s * s / n.cast("float64")) / (n - 1).cast("float64")
        return ibis.ifelse(n > 1, ibis.greatest(v, 0.0), None)

    z = ibis.literal(0.0)
    exposed = diff("tv_in")
    fans = {name: at("c_", f"f_{k}_{label}") - at(f"w{label}_", f"d_{k}_{label}")
            for k, name in _KINDS}  # fmt: skip
    part = {
        "out_n": n_out, "out_sum": s_out,
        "out_mean": ibis.ifelse(n_out > 0, s_out / n_out.cast("float64"), None),
        "out_max": p[f"out_max_{label}"], "out_var": var(n_out, s_out, diff("q_out")),
        "in_n": n_in, "in_sum": s_in,
        "in_mean": ibis.ifelse(n_in > 0, s_in / n_in.cast("float64"), None),
        "in_max": p[f"in_max_{label}"], "in_var": var(n_in, s_in, diff("q_in")),
        **fans,
        "ttf_mean": ibis.ifelse(t_n > 0, diff("t_sum") / t_n.cast("float64"), None),
        "cycles": diff("cyc"), "sg": diff("sg"), "exposed_in": exposed,
        "exposure": ibis.ifelse(s_in > 0, ibis.least(exposed / s_in, 1.0), z),
    }  # fmt: skip
    return {f"{k}_{label}": v.cast(_TYPES.get(k, "float64")) for k, v in part.items()}


def _frame_features(g: ir.Table, windows: list[tuple[str, int]]) -> ir.Table:
    """(acct, ts_s, q, ttf_s, every per-window feature) per group, from `_running`: each
    window's running sums are read at its first group by an equi-join on the index."""
    per_acct = g.group_by("acct").aggregate(n=(g.n_out + g.n_in + g.cyc + g.sg).sum())
    most = per_acct.n.max().to_pyarrow().as_py() or 0  # every count is at most this
    packs = _packs(windows, packed=int(most) < 2**26)
    r = materialise(_running(g, windows, packs))  # read by every window's join: computed once
    keep = ["acct", "ts_s", "q", "ttf_s"]
    out = r.select(
        *keep, "idx", *[c for c in r.columns if c.startswith(("j_", "c_", "out_max", "in_max"))]
    )
    cols: dict[str, ir.Value] = {}
    for label, _ in windows:  # one query, one join per window, no wide table stored between
        mine = [n for n, ps in packs.items() if _window_of(ps) in (None, label)]
        at = r.select(
            **{f"_a_{label}": r.acct, f"_i_{label}": r.idx},
            **{f"w{label}_{k}": r[f"c_{k}"] for k in mine},
        )
        out = out.join(at, [out.acct == at[f"_a_{label}"], out[f"j_{label}"] == at[f"_i_{label}"]])
    for label, _ in windows:
        cols.update(_window_values(out, label, packs))
    feats = list(cols)
    out = out.mutate(**cols)
    return out.select(*keep, *feats)


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
    for _ in range(hops):  # each round stored: Spark plans stay one round deep
        taint = materialise(_carried(edges, seed_set, taint, "fifo", 1.0))
    return taint


_TYPES = {k: "int64" for k in ("out_n", "in_n", "fan_out", "fan_in", "degree", "cycles", "sg")}


def _mark_rows(edges: ir.Table, cycle_hops: int, motif_window_s: int, same_ts: bool) -> ir.Table:
    """(acct, ts_s, cyc, sg): one row per motif member at the motif's completion."""
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
    c = cycle_marks(edges, cycle_hops, motif_window_s, same_ts)
    s = scatter_gather_marks(edges, motif_window_s)
    return c.select("acct", "ts_s", cyc=one, sg=zero).union(
        s.select("acct", "ts_s", cyc=zero, sg=one), distinct=False
    )


def feature_stream(
    edges: ir.Table,
    windows: list[tuple[str, int]],
    seeds: ir.Table | None = None,
    hops: int = 3,
    cycle_hops: int = 4,
    motif_window_s: int = 30 * DAY,
    same_ts: bool = False,
) -> ir.Table:
    """One row per (acct, ts_s) where the account pays, is paid or completes a motif, and
    per account one second after the latest payment (`q` = 1): `ttf_s` and every feature
    column, over the rows strictly before `ts_s`."""
    tv = _taint(edges, seeds, hops) if seeds is not None else None
    sides = _side_rows(edges, tv)
    accts = sides.select("acct").distinct()
    points = accts.mutate(ts_s=edges.ts_s.max().as_scalar() + 1)
    marks = _mark_rows(edges, cycle_hops, motif_window_s, same_ts)
    groups = materialise(_groups(sides, marks, points, windows))
    stream = _frame_features(groups, windows)
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
    o = stream.select(_xa=stream.acct, _xt=stream.ts_s, ttf_s=stream.ttf_s,
                      **{f"src_{n}": stream[n] for n in names})  # fmt: skip
    i = stream.select(_ya=stream.acct, _yt=stream.ts_s, **{f"dst_{n}": stream[n] for n in names})
    base = edges.select("txn_id", "ts_s", "src", "dst", "amt")
    r = base.join(o, [base.src == o._xa, base.ts_s == o._xt]).drop("_xa", "_xt")
    return r.join(i, [r.dst == i._ya, r.ts_s == i._yt]).drop("_ya", "_yt")


def account_features(stream: ir.Table, windows: list[tuple[str, int]]) -> ir.Table:
    """One row per account: its features in the windows up to the latest payment."""
    q = stream.filter(stream.q > 0)
    return q.select("acct", as_of_s=q.ts_s - 1, **{n: q[n] for n in feature_names(windows)})


def accounts_path(out: Path) -> Path:
    """Where the account rows go: `features.parquet` -> `features.accounts.parquet`."""
    return out.with_name(out.stem + ".accounts" + (out.suffix or ".parquet"))


def _write(expr: ir.Table, path: Path) -> tuple[int, int]:
    """Write `expr`'s rows to Parquet at `path` (replaced atomically): DuckDB streams them
    (`COPY ... TO`, never the whole table in Python); other engines go through Arrow.
    Returns (rows, columns)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if ibis.get_backend(expr).name == "duckdb":
            expr.to_parquet(tmp)
        else:
            pq.write_table(expr.to_pyarrow(), tmp)
        meta = pq.ParquetFile(tmp).metadata
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return meta.num_rows, meta.num_columns


def write_features(
    stream: ir.Table, edges: ir.Table, windows: list[tuple[str, int]], out: Path
) -> dict[str, int]:
    """The payment rows (by time) to `out`, the account rows to `accounts_path(out)`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tx = transaction_features(stream, edges, windows).order_by(["ts_s", "txn_id"])
    n_tx, n_cols = _write(tx, out)
    n_acc, _ = _write(account_features(stream, windows).order_by("acct"), accounts_path(out))
    return {"transactions": n_tx, "accounts": n_acc, "columns": n_cols}


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
    stream = materialise(feature_stream(edges, wins, seeds, hops, same_ts=bool(date_only)))
    counts = write_features(stream, edges, wins, out)
    n_seeds = eng.to_arrow(seeds.select("account").distinct()).num_rows
    return {
        **counts,
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
    "write_features",
]
