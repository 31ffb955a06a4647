"""Motif completions for the graph features: cycle and scatter-gather members, each at the
time its motif completes, from bounded searches (no open self-join at hubs, ANCHORS.md).

Both only use payments up to the completion time, so a later payment never changes an
earlier mark (the features' no-leakage test covers them)."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from cftwatch.engine import materialise
from cftwatch.network.motifs import MAX_NEXT, short_cycles

log = logging.getLogger("cftwatch.network")

RELAY_NEXT = 4
"""Onward payments tried per payment in and amount band when looking for relays."""
CYCLE_NEXT = MAX_NEXT
"""`short_cycles`' `max_next` for the cycle marks (onward payments per path and band)."""


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


def cycle_marks(
    edges: ir.Table, max_hops: int, window_s: int, same_ts: bool, max_next: int = CYCLE_NEXT
) -> ir.Table:
    """(acct, ts_s): each member of a time-respecting cycle, at the cycle's last payment."""
    c = short_cycles(
        edges, max_hops, window_s, window_s, max_fee=0.2, same_ts=same_ts, max_next=max_next
    )
    return c.select(acct=c.members.unnest(), ts_s=c.t_last)


def _bucket(amt: ir.FloatingValue, share: float) -> ir.IntegerValue:
    """Log-amount bucket a hair wider than the band [share * a, a]: an onward amount in the
    band lies in a's bucket or the one below."""
    if share <= 0:
        return ibis.literal(0, "int64")
    w = max(-math.log(share), 1e-6) * (1 + 1e-9)
    return ibis.ifelse(amt > 0, (amt.ln() / w).floor(), -(2**40)).cast("int64")


def relays(edges: ir.Table, window_s: int, share: float, max_next: int = RELAY_NEXT) -> ir.Table:
    """(src, mid, dst, t1, t2, x1, x2): a payment `src -> mid` at t1 and an onward payment
    `mid -> dst` (dst not src, same currency) at t2 in [t1, t1 + window_s] for `share`..1
    times the amount. Bounded: per payment in and amount band only the `max_next` earliest
    onward payments from t1 on are tried (logged when a band held more within the window).

    The onward payments are numbered per (payer, currency, band) in time; each payment in is
    placed in that stream at t1, before the payments at t1: the running count there is the
    number of the first onward payment, and the next `max_next` numbers are joined by
    equi-join (never a join of every payment in with every payment out of a hub)."""
    bands = (0,) if share <= 0 else (0, 1)
    one, zero = ibis.literal(1, "int64"), ibis.literal(0, "int64")
    nul = {"src": ibis.literal(None, "string"), "x1": ibis.literal(None, "string"),
           "a1": ibis.literal(None, "float64")}  # fmt: skip
    outs = edges.select(_m=edges.src, dst=edges.dst, _c=edges.currency, t2=edges.ts_s,
                        a2=edges.amt, x2=edges.txn_id, _b=_bucket(edges.amt, share))  # fmt: skip
    seq = ibis.row_number().over(group_by=["_m", "_c", "_b"], order_by=[outs.t2, outs.x2])
    outs = materialise(outs.mutate(_q=seq.cast("int64")))  # 0, 1, ... per band
    parts = [outs.select("_m", "_c", "_b", _t=outs.t2, _o=one, _ot=outs.t2, **nul)]
    for d in bands:
        bk = _bucket(edges.amt, share) - d
        parts.append(edges.select(_m=edges.dst, _c=edges.currency, _b=bk, _t=edges.ts_s,
                                  _o=zero, _ot=ibis.literal(None, "int64"), src=edges.src, x1=edges.txn_id, a1=edges.amt))  # fmt: skip
    sch = parts[0].schema()  # nullable: a workspace's columns may be NOT NULL
    parts = [p.select(**{c: p[c].cast(sch[c].copy(nullable=True)) for c in sch}) for p in parts]
    s = parts[0]
    for p in parts[1:]:
        s = s.union(p, distinct=False)
    grp = ["_m", "_c", "_b"]
    upto = ibis.window(group_by=grp, order_by=[s._t, s._o], rows=(None, 0))
    # counts, not sums: DuckDB sums int64 into int128
    s = s.mutate(_lo=s._ot.count().over(upto), _all=s._ot.count().over(ibis.window(group_by=grp)))
    s = s.filter(s._o == 0, s._all > s._lo)
    s = s.mutate(_i=ibis.range(0, ibis.least(s._all - s._lo, max_next + 1)).unnest())
    s = s.mutate(_want=s._lo + s._i)
    j = s.join(outs, [s._m == outs._m, s._c == outs._c, s._b == outs._b, s._want == outs._q])
    j = materialise(j.filter(j.t2 <= j._t + window_s).select(
        "src", mid="_m", dst="dst", t1="_t", t2="t2", a1="a1", a2="a2", x1="x1", x2="x2",
        extra=j._i == max_next))  # fmt: skip
    capped = int(j.filter(j.extra).count().to_pyarrow().as_py())
    if capped:
        log.warning(
            "feature relays: %d (payment in, amount band) lookups had more than %d onward "
            "payments within the window; only the %d earliest were tried",
            capped, max_next, max_next,
        )  # fmt: skip
    j = j.filter(~j.extra, j.a2 >= j.a1 * share, j.a2 <= j.a1, j.dst != j.src)
    return j.select("src", "mid", "dst", "t1", "t2", "x1", "x2")


def scatter_gather_marks(
    edges: ir.Table,
    window_s: int,
    min_intermediaries: int = 3,
    share: float = 0.8,
    max_next: int = RELAY_NEXT,
) -> ir.Table:
    """(acct, ts_s): source, intermediary and target of every relay `src -> mid -> dst`
    (onward payment within `window_s`, `share`..1 of the amount; `relays`, bounded) that
    completes, at its onward payment, a pair (src, dst) with `min_intermediaries` distinct
    intermediaries in the `window_s` up to then. Uses only payments up to that time."""
    j = materialise(relays(edges, window_s, share, max_next))
    j = with_gaps(j.mutate(rid=j.x1.concat(">", j.x2)), ["src", "dst"], "mid", "t2", "rid")
    j = j.mutate(k=distinct_in_frame(j, ["src", "dst"], "mid", "t2", window_s, 0))
    hit = j.filter(j.k >= min_intermediaries)
    parts = [hit.select(acct=hit[c], ts_s=hit.t2) for c in ("src", "mid", "dst")]
    return parts[0].union(parts[1]).union(parts[2])


__all__ = [
    "CYCLE_NEXT",
    "RELAY_NEXT",
    "cycle_marks",
    "distinct_in_frame",
    "relays",
    "scatter_gather_marks",
    "with_gaps",
]
