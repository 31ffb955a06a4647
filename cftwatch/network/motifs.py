"""Motifs in the payment graph: short cycles, scatter-gather, gather-scatter.

Every function takes an *edges* table (one row per payment, see `EDGE_COLUMNS`) and returns
an Ibis table of motif instances, each with its accounts and the ids of its payments. They
are time-respecting: a motif's payments follow each other in time within the given bounds.
Plain portable Ibis, so the same call runs on DuckDB and on Spark; the caller decides which
payments are edges (amount floors, excluded account types) and what an instance means.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from cftwatch.engine.materialising import materialise
from cftwatch.engine.windows import anchors_by_distinct, episodes, rows_in_episodes

EDGE_COLUMNS = ("txn_id", "ts", "ts_s", "amount", "amt", "currency", "src", "dst")
"""An edges table: payment id, timestamp, epoch seconds (int64), amount (decimal), the amount
as float64, currency, paying account (`src`) and receiving account (`dst`)."""


def _named(edges: ir.Table, names: str) -> ir.Table:
    """The edges' columns (src, dst, currency, ts_s, ts, amt, amount, txn_id), in that order,
    under the space-separated `names`: the two sides of a self-join need distinct names."""
    cols = ("src", "dst", "currency", "ts_s", "ts", "amt", "amount", "txn_id")
    return edges.select(**{new: edges[old] for new, old in zip(names.split(), cols, strict=True)})


MAX_NEXT = 16
"""Default bound of `short_cycles`: onward payments tried per partial path and amount band."""

log = logging.getLogger("cftwatch.network")


def short_cycles(
    edges: ir.Table,
    max_hops: int,
    max_hop_s: int,
    window_s: int,
    max_fee: float,
    same_ts: bool = False,
    max_next: int = MAX_NEXT,
) -> ir.Table:
    """Money that goes round 2..`max_hops` accounts and returns to where it started.

    A path grows one payment at a time; the next payment must leave the path's last account
    after the previous one, within `max_hop_s`, for between (1 - `max_fee`) and 1 times the
    previous amount, in the same currency and within `window_s` of the first. A cycle is
    only ever started at its earliest payment, so it is found exactly once.

    With `same_ts` a payment may also follow one with the same timestamp (date-only data,
    where a day's payments cannot be ordered); a cycle whose payments all share one
    timestamp is then kept only from its payment with the smallest id, so again once.

    Cost is bounded (ANCHORS.md: open self-joins explode on hub accounts). Accounts that
    cannot lie on a cycle (no payment in, or none out) are pruned first. A cycle of k hops
    is joined from a path of ceil(k/2) payments and one of floor(k/2) on both end accounts
    (equi-join: no path longer than half a cycle is built). A path is extended by looking
    up, per amount band of its last payment (log-amount buckets as wide as the fee band, so
    two of them hold every allowed amount), only the `max_next` earliest payments out of its
    last account after it: an equi-join on (account, currency, bucket, sequence number),
    never a join of every payment in with every payment out of a hub. Where a band held
    more onward payments within the hop's time bounds, the paths beyond were not tried:
    this is logged as a warning (logger `cftwatch.network`) with the number of such paths,
    so a capped search is never silent; below the cap the result is exact.

    Returns one row per cycle: `start` (the account it leaves and returns to), `members`
    (the accounts in order, from `start`), `txn_ids` (the payments in order), `hops`,
    `currency`, `ts_first`/`ts_last` and `t_first`/`t_last` (first and last payment, as
    timestamps and epoch seconds), `amount` (first payment) and `returned` (last payment).
    """
    if max_hops < 2:
        raise ValueError("max_hops must be at least 2")
    b = _Bounds(max_hop_s, window_s, 1 - max_fee, same_ts, max(1, max_next))
    e = _cyclable(edges)
    outs = materialise(_numbered(e, b))
    first = e.filter(e.src != e.dst)
    paths = [_named(first, "n0 n1 currency t1 ts1 a1 v1 x1")]  # a projection of `e`
    capped = 0
    for h in range(2, (max_hops + 1) // 2 + 1):
        nxt, hits = _extend(paths[-1], h, outs, b)
        paths.append(nxt)
        capped += hits
    if capped:
        log.warning(
            "short_cycles: %d partial paths had more than %d onward payments in an amount "
            "band within the hop's time bounds; only the %d earliest were tried, so cycles "
            "through those accounts may be missing (raise max_next to search further)",
            capped, b.max_next, b.max_next,
        )  # fmt: skip
    found = [
        _joined(paths[(k + 1) // 2 - 1], paths[k // 2 - 1], k, b) for k in range(2, max_hops + 1)
    ]
    result = found[0]
    for f in found[1:]:
        result = result.union(f, distinct=False)
    return result


@dataclass(frozen=True)
class _Bounds:
    max_hop_s: int
    window_s: int
    keep: float
    same_ts: bool
    max_next: int

    def bucket(self, amt: ir.FloatingValue) -> ir.IntegerValue:
        """The log-amount bucket: an onward amount in [keep * a, a] lies in a's bucket or
        the one below (a bucket is a hair wider than the band, so rounding cannot skip)."""
        if self.keep <= 0:
            return ibis.literal(0, "int64")
        w = max(-math.log(self.keep), 1e-6) * (1 + 1e-9)
        return ibis.ifelse(amt > 0, (amt.ln() / w).floor(), -(2**40)).cast("int64")

    @property
    def buckets(self) -> tuple[int, ...]:
        return (0,) if self.keep <= 0 else (0, 1)


def _cyclable(edges: ir.Table) -> ir.Table:
    """The edges whose payer also receives and whose payee also pays (two rounds), stored."""
    return materialise(cyclable(edges.select(*EDGE_COLUMNS)))


def cyclable(edges: ir.Table, rounds: int = 2) -> ir.Table:
    """The edges whose payer also receives and whose payee also pays, `rounds` times over
    (an account with no way in or no way out cannot lie on a cycle). Only each round's
    account sets are stored (small), never the edges in between, so the input is read
    once per round and not copied; the caller stores the result if it needs to."""
    e = edges
    for _ in range(rounds):
        payers = materialise(e.select(_p=e.src).distinct())
        payees = materialise(e.select(_q=e.dst).distinct())
        e = e.semi_join(payees, e.src == payees._q)
        e = e.semi_join(payers, e.dst == payers._p)
    return e


def _numbered(e: ir.Table, b: _Bounds) -> ir.Table:
    """Payments with their amount bucket and their place (1, 2, ...) in time among the
    payments out of the same account in the same currency and bucket."""
    o = e.select(_s=e.src, _d=e.dst, _c=e.currency, _t=e.ts_s, _ts=e.ts, _a=e.amt,
                 _v=e.amount, _x=e.txn_id, _b=b.bucket(e.amt))  # fmt: skip
    seq = ibis.row_number().over(group_by=["_s", "_c", "_b"], order_by=[o._t, o._x])
    return o.mutate(_q=(seq + 1).cast("int64"))


def _extend(path: ir.Table, h: int, outs: ir.Table, b: _Bounds) -> tuple[ir.Table, int]:
    """Paths of `h` payments from those of `h - 1`, at most `max_next` onward payments per
    path and bucket; also the number of (path, bucket) lookups that had more in bounds.

    Each distinct lookup (account, currency, bucket, earliest and latest time allowed) is
    placed twice in the time-ordered stream of its group's payments out: a running count
    at either end gives the sequence numbers of exactly the payments in the hop's time
    bounds, so only those (at most `max_next`) are joined, by equi-join on the number."""
    end, tl, al = path[f"n{h - 1}"], path[f"t{h - 1}"], path[f"a{h - 1}"]
    hi = ibis.least(tl + b.max_hop_s, path.t1 + b.window_s)
    # a lookup whose account has no payment out in its bucket in the same or the next
    # slot of the hop's length has nothing in bounds: dropped by a cheap semi-join first
    width = max(1, b.max_hop_s)
    sl = outs.select("_s", "_c", "_b", _l=outs._t // width)
    reach = materialise(sl.union(sl.mutate(_l=sl._l - 1), distinct=True))
    keys = []
    for d in b.buckets:
        k = path.select(_s=end, _c=path.currency, _b=b.bucket(al) - d, _t=tl, _u=hi)
        on = [k._s == reach._s, k._c == reach._c, k._b == reach._b, k._t // width == reach._l]
        keys.append(k.semi_join(reach, on))
    q = keys[0].union(keys[1], distinct=True) if len(keys) > 1 else keys[0].distinct()
    q = materialise(q)
    # running count of payments out up to each lookup's ends: after the earliest time
    # (strictly, or from it on with same_ts) and up to the latest time inclusive
    one, zero, two = (ibis.literal(v, "int64") for v in (1, 0, 2))
    lo_k, out_k = (zero, one) if b.same_ts else (one, zero)
    stream = outs.select("_s", "_c", "_b", _p=outs._t, _t=outs._t, _u=outs._t, _o=one,
                         _k=out_k, _w=zero)  # fmt: skip
    stream = stream.union(
        q.select("_s", "_c", "_b", _p=q._t, _t=q._t, _u=q._u, _o=zero, _k=lo_k, _w=one),
        distinct=False,
    ).union(
        q.select("_s", "_c", "_b", _p=q._u, _t=q._t, _u=q._u, _o=zero, _k=two, _w=two),
        distinct=False,
    )
    w = ibis.cumulative_window(group_by=["_s", "_c", "_b"], order_by=["_p", "_k"])
    stream = stream.mutate(_n=stream._o.sum().over(w))
    stream = stream.filter(stream._o == 0)
    at = stream.group_by(_s2="_s", _c2="_c", _b2="_b", _t2="_t", _u2="_u").aggregate(
        _n=stream._n.max(where=stream._w == 1), _m=stream._n.max(where=stream._w == 2)
    )
    at = at.filter(at._m > at._n)  # lookups with an onward payment in bounds
    rows = []
    for d in b.buckets:
        bk = b.bucket(al) - d
        r = path.join(at, [end == at._s2, path.currency == at._c2, bk == at._b2, tl == at._t2,
                           hi == at._u2])  # fmt: skip
        rows.append(r.drop("_s2", "_c2", "_t2", "_u2"))
    looked = rows[0].union(rows[1], distinct=False) if len(rows) > 1 else rows[0]
    looked = materialise(looked)
    hits = int(looked.filter(looked._m - looked._n > b.max_next).count().to_pyarrow().as_py())
    take = ibis.least(looked._m - looked._n, b.max_next)
    looked = looked.mutate(_i=ibis.range(1, take + 1).unnest())
    looked = looked.mutate(_want=looked._n + looked._i)
    j = looked.join(outs, [looked[f"n{h - 1}"] == outs._s, looked.currency == outs._c,
                           looked._b2 == outs._b, looked._want == outs._q])  # fmt: skip
    j = j.filter(
        j._a >= j[f"a{h - 1}"] * b.keep,
        j._a <= j[f"a{h - 1}"],
        *[j._d != j[f"n{i}"] for i in range(h)],
    )
    j = j.rename({f"n{h}": "_d", f"t{h}": "_t", f"ts{h}": "_ts", f"a{h}": "_a", f"v{h}": "_v",
                  f"x{h}": "_x"})  # fmt: skip
    return materialise(j.select(*_path_columns(h))), hits


def _path_columns(h: int) -> list[str]:
    cols = [f"n{i}" for i in range(h + 1)] + ["currency"]
    for i in range(1, h + 1):
        cols += [f"t{i}", f"ts{i}", f"a{i}", f"v{i}", f"x{i}"]
    return cols


def _joined(a: ir.Table, bt: ir.Table, k: int, b: _Bounds) -> ir.Table:
    """The `k`-hop cycles made of a path `a` of ceil(k/2) payments and a path `bt` of
    floor(k/2) that starts where `a` ends, ends where `a` starts and follows `a`'s last
    payment."""
    h1, h2 = (k + 1) // 2, k // 2
    ren = {f"m{i}": f"n{i}" for i in range(h2 + 1)} | {"_cur": "currency"}
    for i in range(1, h2 + 1):
        ren |= {f"u{i}": f"t{i}", f"us{i}": f"ts{i}", f"b{i}": f"a{i}", f"w{i}": f"v{i}",
                f"y{i}": f"x{i}"}  # fmt: skip
    bt = bt.rename(ren)
    t_last, a_last = a[f"t{h1}"], a[f"a{h1}"]
    preds = [
        a[f"n{h1}"] == bt.m0,
        a.n0 == bt[f"m{h2}"],
        a.currency == bt._cur,
        (bt.u1 >= t_last) if b.same_ts else (bt.u1 > t_last),
        bt.u1 <= t_last + b.max_hop_s,
        bt.b1 >= a_last * b.keep,
        bt.b1 <= a_last,
        bt[f"u{h2}"] <= a.t1 + b.window_s,
    ]
    preds += [bt[f"m{i}"] != a[f"n{j}"] for i in range(1, h2) for j in range(1, h1)]
    c = a.join(bt, preds)
    nodes = [c[f"n{i}"] for i in range(h1)] + [c[f"m{i}"] for i in range(h2)]
    legs = [(c[f"t{i}"], c[f"ts{i}"], c[f"v{i}"], c[f"x{i}"]) for i in range(1, h1 + 1)]
    legs += [(c[f"u{i}"], c[f"us{i}"], c[f"w{i}"], c[f"y{i}"]) for i in range(1, h2 + 1)]
    if b.same_ts:  # all legs at one instant: every rotation qualifies; keep the first
        c = c.filter((legs[-1][0] > c.t1) | ibis.and_(*[c.x1 < x for _, _, _, x in legs[1:]]))
    return c.select(
        start=c.n0,
        members=ibis.array(nodes),
        txn_ids=ibis.array([x for _, _, _, x in legs]),
        hops=ibis.literal(k, "int64"),
        currency=c.currency,
        ts_first=c.ts1,
        ts_last=legs[-1][1],
        t_first=c.t1,
        t_last=legs[-1][0],
        amount=c.v1,
        returned=legs[-1][2],
    )


def scatter_gather(
    edges: ir.Table,
    window_s: int,
    min_forward_share: float,
    min_intermediaries: int,
    same_ts: bool = False,
) -> ir.Table:
    """One account splits money across `min_intermediaries` or more accounts that each pass
    it on to one and the same other account.

    A relay is a payment `src -> mid` followed, within `window_s`, by `mid -> dst` (dst not
    src, same currency) for between `min_forward_share` and 1 times the first amount. Relays
    of one (src, dst) pair whose first payments lie within `window_s` of each other form one
    episode (see `cftwatch.engine.windows`); an episode with at least `min_intermediaries`
    distinct `mid` in a window is an instance. With `same_ts` the onward payment may have
    the same timestamp as the first (date-only data); otherwise it must be later.

    Returns one row per instance: `src`, `dst`, `currency`, `ep_start` (epoch seconds),
    `window_start`/`window_end` (first and last payment), `txn_ids` (both legs), `amount`
    (paid out by `src`), `gathered` (received by `dst`) and `intermediaries`.
    """
    a = _named(edges, "src mid currency t1 ts1 a1 v1 x1")
    b = _named(edges, "_m dst _c t2 ts2 a2 v2 x2")
    j = a.join(
        b,
        [
            a.mid == b._m,
            a.currency == b._c,
            (b.t2 >= a.t1) if same_ts else (b.t2 > a.t1),
            b.t2 <= a.t1 + window_s,
            b.a2 >= a.a1 * min_forward_share,
            b.a2 <= a.a1,
            b.dst != a.src,
        ],
    )
    j = j.mutate(pair=j.src.concat("|", j.dst))
    keys = ["pair", "currency"]
    anchors = anchors_by_distinct(
        j.mutate(txn_id=j.x1, ts_s=j.t1), keys, "mid", window_s, min_intermediaries
    )
    rows = rows_in_episodes(episodes(anchors, keys, window_s), j.mutate(ts_s=j.t1), keys)
    return scatter_gather_instances(rows, keys)


def scatter_gather_instances(rows: ir.Table, keys: list[str]) -> ir.Table:
    """One instance per (source, target, episode) from two-leg rows (`x1/ts1/v1` out of the
    source, `x2/ts2/v2` into the target, `mid` the intermediary): its window, transactions,
    amount scattered, amount gathered and number of intermediaries."""
    common = [*keys, "ep_start", "src", "dst", "mid"]
    first = rows.select(*common, x=rows.x1, ts=rows.ts1, v=rows.v1, leg=ibis.literal(1))
    second = rows.select(*common, x=rows.x2, ts=rows.ts2, v=rows.v2, leg=ibis.literal(2))
    legs = first.union(second).distinct()
    out = legs.leg == 1
    g = legs.group_by([*keys, "ep_start", "src", "dst"]).aggregate(
        window_start=legs.ts.min(),
        window_end=legs.ts.max(),
        txn_ids=legs.x.collect(),
        amount=legs.v.sum(where=out),
        gathered=legs.v.sum(where=~out),
        intermediaries=legs.mid.nunique(),
    )
    return g.drop("pair")


def gather_scatter(
    inflows: ir.Table, outflows: ir.Table, window_s: int, min_senders: int
) -> ir.Table:
    """A hub collects from `min_senders` or more distinct accounts and pays out again.

    `inflows` are the payments that count as collections (edges into the hub), `outflows`
    those that count as paying out (edges out of it). A collection episode is a stretch in
    which the hub's windows of `window_s` hold `min_senders` distinct senders; the payments
    out of the hub from the episode's first collection until `window_s` after its last
    are its pay-outs.

    Returns one row per episode: `hub`, `currency`, `ep_start` (epoch seconds),
    `window_start`/`window_end`, `txn_ids` (in and out), `amount` (collected), `paid_out`,
    `senders`, `receivers` and `in_payments` (number of collections).
    """
    keys = ["acct", "currency"]
    r = inflows.mutate(acct=inflows.dst, who=inflows.src)
    anchors = anchors_by_distinct(r, keys, "who", window_s, min_senders)
    ins = rows_in_episodes(episodes(anchors, keys, window_s), r, keys)
    eps = ins.group_by([*keys, "ep_start"]).aggregate(
        in_first=ins.ts_s.min(), in_last=ins.ts_s.max()
    )
    o = outflows.mutate(acct=outflows.src, who=outflows.dst)
    e = eps.select(_k=eps.acct, _c=eps.currency, _s=eps.ep_start, _f=eps.in_first, _l=eps.in_last)
    j = o.join(e, [o.acct == e._k, o.currency == e._c, o.ts_s >= e._f, o.ts_s <= e._l + window_s])
    cols = ["txn_id", "ts", "ts_s", "amount", "acct", "currency", "who"]
    both = ins.select(*cols, "ep_start", dir=ibis.literal("in")).union(
        j.select(*cols, ep_start=j._s, dir=ibis.literal("out"))
    )
    is_out = both.dir == "out"
    g = both.group_by([*keys, "ep_start"]).aggregate(
        window_start=both.ts.min(),
        window_end=both.ts.max(),
        txn_ids=both.txn_id.collect(),
        amount=both.amount.sum(where=~is_out),
        paid_out=both.amount.sum(where=is_out),
        senders=both.who.nunique(where=~is_out),
        receivers=both.who.nunique(where=is_out),
        in_payments=both.txn_id.count(where=~is_out),
    )
    return g.rename(hub="acct")


__all__ = ["EDGE_COLUMNS", "gather_scatter", "scatter_gather", "short_cycles"]
