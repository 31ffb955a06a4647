"""Motifs in the payment graph: short cycles, scatter-gather, gather-scatter.

Every function takes an *edges* table (one row per payment, see `EDGE_COLUMNS`) and returns
an Ibis table of motif instances, each with its accounts and the ids of its payments. They
are time-respecting: a motif's payments follow each other in time within the given bounds.
Plain portable Ibis, so the same call runs on DuckDB and on Spark; the caller decides which
payments are edges (amount floors, excluded account types) and what an instance means.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import anchors_by_distinct, episodes, rows_in_episodes

EDGE_COLUMNS = ("txn_id", "ts", "ts_s", "amount", "amt", "currency", "src", "dst")
"""An edges table: payment id, timestamp, epoch seconds (int64), amount (decimal), the amount
as float64, currency, paying account (`src`) and receiving account (`dst`)."""


def _named(edges: ir.Table, names: str) -> ir.Table:
    """The edges' columns (src, dst, currency, ts_s, ts, amt, amount, txn_id), in that order,
    under the space-separated `names`: the two sides of a self-join need distinct names."""
    cols = ("src", "dst", "currency", "ts_s", "ts", "amt", "amount", "txn_id")
    return edges.select(**{new: edges[old] for new, old in zip(names.split(), cols, strict=True)})


def short_cycles(
    edges: ir.Table,
    max_hops: int,
    max_hop_s: int,
    window_s: int,
    max_fee: float,
    same_ts: bool = False,
) -> ir.Table:
    """Money that goes round 2..`max_hops` accounts and returns to where it started.

    A path grows one payment at a time; the next payment must leave the path's last account
    after the previous one, within `max_hop_s`, for between (1 - `max_fee`) and 1 times the
    previous amount, in the same currency and within `window_s` of the first. These bands
    keep the set of partial paths small even at hub accounts (no open triple self-join), and
    since a cycle is only ever started at its earliest payment it is found exactly once.

    With `same_ts` a payment may also follow one with the same timestamp (date-only data,
    where a day's payments cannot be ordered); a cycle whose payments all share one
    timestamp is then kept only from its payment with the smallest id, so again once.

    Returns one row per cycle: `start` (the account it leaves and returns to), `members`
    (the accounts in order, from `start`), `txn_ids` (the payments in order), `hops`,
    `currency`, `ts_first`/`ts_last` and `t_first`/`t_last` (first and last payment, as
    timestamps and epoch seconds), `amount` (first payment) and `returned` (last payment).
    """
    keep = 1 - max_fee
    path = _named(edges, "n0 n1 currency t1 ts1 a1 v1 x1")
    found: list[ir.Table] = []
    for k in range(2, max_hops + 1):
        nxt = _named(edges, "_s _d _c _t _ts _a _v _x")
        prev_t, prev_a = path[f"t{k - 1}"], path[f"a{k - 1}"]
        j = path.join(
            nxt,
            [
                path[f"n{k - 1}"] == nxt._s,
                path.currency == nxt._c,
                (nxt._t >= prev_t) if same_ts else (nxt._t > prev_t),
                nxt._t <= prev_t + max_hop_s,
                nxt._t <= path.t1 + window_s,
                nxt._a >= prev_a * keep,
                nxt._a <= prev_a,
            ],
        )
        j = j.rename({f"t{k}": "_t", f"ts{k}": "_ts", f"a{k}": "_a", f"v{k}": "_v", f"x{k}": "_x"})
        closed = j.filter(j._d == j.n0)
        if same_ts:  # all legs at one instant: every rotation qualifies; keep the first
            closed = closed.filter(
                (closed[f"t{k}"] > closed.t1)
                | ibis.and_(*[closed.x1 < closed[f"x{i}"] for i in range(2, k + 1)])
            )
        found.append(
            closed.select(
                start=closed.n0,
                members=ibis.array([closed[f"n{i}"] for i in range(k)]),
                txn_ids=ibis.array([closed[f"x{i}"] for i in range(1, k + 1)]),
                hops=ibis.literal(k, "int64"),
                currency=closed.currency,
                ts_first=closed.ts1,
                ts_last=closed[f"ts{k}"],
                t_first=closed.t1,
                t_last=closed[f"t{k}"],
                amount=closed.v1,
                returned=closed[f"v{k}"],
            )
        )
        if k < max_hops:
            open_ = j.filter(*[j._d != j[f"n{i}"] for i in range(k)])
            path = open_.rename({f"n{k}": "_d"}).drop("_s", "_c")
    result = found[0]
    for f in found[1:]:
        result = result.union(f, distinct=False)
    return result


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
