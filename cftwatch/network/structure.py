"""Order-free (structural) motifs: cycles and scatter/gather whose payments fall within one
window in any order.

The time-respecting motifs (`cftwatch.network.motifs`) need each payment to follow the
previous one; simulators and real schemes alike also move money round a ring or through
a layer of intermediaries in no particular order (members paid on different days, the
gather leg sometimes before the scatter leg). These functions look only at the shape and
at the span of the payments. Same edges table (`EDGE_COLUMNS`), plain portable Ibis.

Cost control (see the 3-cycle pitfall in ANCHORS.md: an open self-join explodes on hubs):
every cycle is enumerated once, from its lowest-ranked account, ranks ordered by degree,
so paths only ever step *up* in degree and hubs are reached last, never started from;
accounts that cannot be on a cycle (no payment in or no payment out) are pruned first;
and each anchor keeps at most `max_paths` partial paths per step (the tightest in time,
ties broken by payment ids, so every engine keeps the same ones).

Each step is stored (`cftwatch.engine.materialising`: a DuckDB temporary table, a locally
checkpointed Spark view) before the next one is built on it, so no plan grows with the
hop count (Spark's optimiser stalled for over 30 minutes on the lazy 10-hop plan), shared
inputs are computed once, and the enumeration stops at the first hop with no open path.
"""

from __future__ import annotations

import logging

import ibis
import ibis.expr.types as ir

from cftwatch.engine.materialising import is_empty, materialise
from cftwatch.engine.windows import anchors_by_distinct, episodes, rows_in_episodes
from cftwatch.network.motifs import cyclable, scatter_gather_instances

log = logging.getLogger("cftwatch.network")


def node_ranks(edges: ir.Table) -> ir.Table:
    """(acct, deg, rank): each account's number of distinct counterparties and its place in
    the order (degree, then id) that cycle enumeration starts from."""
    pairs = edges.select(acct=edges.src, other=edges.dst).union(
        edges.select(acct=edges.dst, other=edges.src)
    )
    deg = pairs.group_by("acct").aggregate(deg=pairs.other.nunique())
    rank = ibis.row_number().over(order_by=[deg.deg, deg.acct])
    return deg.mutate(rank=rank.cast("int64"))


def _ranked_edges(edges: ir.Table) -> tuple[ir.Table, ir.Table, ir.Table]:
    """The cyclable edges with the ranks of both ends (`rs`, `rd`) and each payment's place
    in the order of payment ids (`xi`, dense: equal ids, equal numbers); also the lookups
    back from rank to account and from `xi` to payment id. Paths carry only these
    integers (cheaper to join, sort and store than the strings), and integer order is the
    strings' order, so the same paths are kept."""
    e = materialise(
        cyclable(
            materialise(edges.select("src", "dst", "currency", "ts_s", "ts", "amount", "txn_id"))
        )
    )
    r = materialise(node_ranks(e))
    rs = r.select(_a=r.acct, rs=r.rank)
    rd = r.select(_b=r.acct, rd=r.rank)
    e = e.join(rs, e.src == rs._a).drop("_a")
    e = e.join(rd, e.dst == rd._b).drop("_b")
    e = materialise(e.mutate(xi=ibis.dense_rank().over(order_by=e.txn_id).cast("int64")))
    return e, r.select("acct", "rank"), materialise(e.select("xi", "txn_id").distinct())


def _bounded(paths: ir.Table, max_paths: int, hops: int) -> tuple[ir.Table, int]:
    """At most `max_paths` paths of `hops` payments per anchor (`n0`, currency): the
    tightest spans first, then the earliest, then by payment ids (a total order); stored.
    Also the number of anchors that had more (the cap hit)."""
    order = [(paths.t_hi - paths.t_lo), paths.t_lo, *[paths[f"x{i}"] for i in range(1, hops + 1)]]
    rn = ibis.row_number().over(group_by=["n0", "currency"], order_by=order)
    p = paths.mutate(_rn=rn)
    p = materialise(p.filter(p._rn <= max_paths))  # one beyond the cap shows it was hit
    hit = int(p.filter(p._rn == max_paths).count().to_pyarrow().as_py())
    return p.filter(p._rn < max_paths).drop("_rn"), hit


def structural_cycles(
    edges: ir.Table,
    min_hops: int,
    max_hops: int,
    window_s: int,
    max_paths: int = 200,
    max_spread: float | None = None,
) -> ir.Table:
    """Directed cycles of `min_hops`..`max_hops` distinct accounts whose payments (one per
    hop, same currency) all lie within `window_s` of each other, in any order; with
    `max_spread`, the largest payment on the ring is at most (1 + `max_spread`) times the
    smallest (the same money going round, rather than unrelated payments that happen to
    close a loop).

    Returns one row per cycle and account set: `start` (its lowest-ranked account),
    `members` (the accounts in payment direction from `start`), `txn_ids` (one payment per
    hop), `hops`, `currency`, `t_first`/`t_last` (epoch seconds), `ts_first`/`ts_last`,
    `amount` (sum of the cycle's payments). Where several payments could close the same
    cycle, the tightest set in time is kept.
    """
    if min_hops > max_hops:
        raise ValueError("min_hops must not exceed max_hops")
    e, accounts, payments = _ranked_edges(edges)
    path, hits = _bounded(_first_paths(e), max_paths, 1)
    capped = [hits]
    amount_type = e.amount.type()  # sums keep the input type, so every hop count unions
    found: list[ir.Table] = []
    for k in range(2, max_hops + 1):
        nxt = e.select(_s=e.rs, _d=e.rd, _c=e.currency, _t=e.ts_s, _ts=e.ts, _v=e.amount,
                       _x=e.xi)  # fmt: skip
        lo = ibis.least(path.t_lo, nxt._t)
        hi = ibis.greatest(path.t_hi, nxt._t)
        preds = [path[f"n{k - 1}"] == nxt._s, path.currency == nxt._c, hi - lo <= window_s]
        if max_spread is not None:
            v = nxt._v.cast("float64")
            preds.append(ibis.greatest(path.a_hi, v) <= ibis.least(path.a_lo, v) * (1 + max_spread))
        j = path.join(nxt, preds)
        j = j.mutate(
            t_lo=ibis.least(j.t_lo, j._t),
            t_hi=ibis.greatest(j.t_hi, j._t),
            ts_lo=ibis.ifelse(j._t < j.t_lo, j._ts, j.ts_lo),
            ts_hi=ibis.ifelse(j._t > j.t_hi, j._ts, j.ts_hi),
            total=(j.total + j._v).cast(amount_type),
            a_lo=ibis.least(j.a_lo, j._v.cast("float64")),
            a_hi=ibis.greatest(j.a_hi, j._v.cast("float64")),
        ).rename({f"x{k}": "_x"})
        closed = _cycle_rows(materialise(j.filter(j._d == j.n0)), k, accounts, payments)
        if k >= min_hops:
            found.append(closed)
        if k == max_hops:
            break
        open_ = j.filter(j._d > j.n0, *[j._d != j[f"n{i}"] for i in range(1, k)])
        open_ = open_.rename({f"n{k}": "_d"}).drop("_s", "_c", "_t", "_ts", "_v")
        path, hits = _bounded(open_, max_paths, k)  # only the paths kept are stored
        capped.append(hits)
        if is_empty(path):
            break
    _log_capped(max_paths, capped)
    found = found or [closed.limit(0)]  # no open path left before `min_hops`: no cycle
    result = found[0]
    for f in found[1:]:
        result = result.union(f, distinct=False)
    rn = ibis.row_number().over(
        group_by=["key", "currency"],
        order_by=[result.t_last - result.t_first, result.t_first, result.txns],
    )
    result = result.mutate(_rn=rn)
    return result.filter(result._rn == 0).drop("_rn", "key", "txns")


def _first_paths(e: ir.Table) -> ir.Table:
    """One-payment paths, each from its lower-ranked end."""
    s = e.filter(e.rs < e.rd)
    return s.select(
        n0=s.rs,
        n1=s.rd,
        currency=s.currency,
        t_lo=s.ts_s,
        t_hi=s.ts_s,
        ts_lo=s.ts,
        ts_hi=s.ts,
        total=s.amount,
        a_lo=s.amount.cast("float64"),
        a_hi=s.amount.cast("float64"),
        x1=s.xi,
    )


def _log_capped(max_paths: int, capped: list[int]) -> None:
    if any(capped):
        log.warning(
            "structural_cycles: the bound of %d partial paths per anchor was hit (anchors "
            "cut per step: %s); rings through the paths not kept may be missing (raise "
            "max_paths to search further)", max_paths, capped,
        )  # fmt: skip


def _cycle_rows(closed: ir.Table, k: int, accounts: ir.Table, payments: ir.Table) -> ir.Table:
    """The closed `k`-paths as cycles, ranks and payment numbers mapped back to ids."""
    for i in range(k):
        acc = accounts.select(**{f"_a{i}": accounts.rank, f"_m{i}": accounts.acct})
        closed = closed.join(acc, closed[f"n{i}"] == acc[f"_a{i}"])
    for i in range(1, k + 1):
        pay = payments.select(**{f"_p{i}": payments.xi, f"_y{i}": payments.txn_id})
        closed = closed.join(pay, closed[f"x{i}"] == pay[f"_p{i}"])
    members = [closed[f"_m{i}"] for i in range(k)]
    key = members[0]
    for m in members[1:]:
        key = key.concat(">", m)
    txns = closed._y1
    for i in range(2, k + 1):
        txns = txns.concat(">", closed[f"_y{i}"])
    return closed.select(
        start=closed._m0,
        members=ibis.array(members),
        txn_ids=ibis.array([closed[f"_y{i}"] for i in range(1, k + 1)]),
        hops=ibis.literal(k, "int64"),
        currency=closed.currency,
        ts_first=closed.ts_lo,
        ts_last=closed.ts_hi,
        t_first=closed.t_lo,
        t_last=closed.t_hi,
        amount=closed.total,
        key=key,
        txns=txns,
    )


def windowed_scatter_gather(
    edges: ir.Table, window_s: int, min_intermediaries: int, max_intermediary_degree: int
) -> ir.Table:
    """One account pays `min_intermediaries` or more distinct accounts that each pay one
    and the same other account, both legs within `window_s` of each other in either order.

    Intermediaries with more than `max_intermediary_degree` distinct counterparties (hubs,
    through which any two accounts are "connected") are not counted as relays.

    Returns one row per instance: `src`, `dst`, `currency`, `ep_start`, `window_start`,
    `window_end`, `txn_ids` (both legs), `amount` (paid out by `src`), `gathered`
    (received by `dst`) and `intermediaries`.
    """
    edges = materialise(edges.select("src", "dst", "currency", "ts_s", "ts", "amount", "txn_id"))
    r = node_ranks(edges)
    small = materialise(r.filter(r.deg <= max_intermediary_degree).select(_m=r.acct))
    a = edges.select(src=edges.src, mid=edges.dst, currency=edges.currency, t1=edges.ts_s,
                     ts1=edges.ts, v1=edges.amount, x1=edges.txn_id)  # fmt: skip
    a = a.semi_join(small, a.mid == small._m)
    b = edges.select(_m=edges.src, dst=edges.dst, _c=edges.currency, t2=edges.ts_s,
                     ts2=edges.ts, v2=edges.amount, x2=edges.txn_id)  # fmt: skip
    j = a.join(
        b,
        [
            a.mid == b._m,
            a.currency == b._c,
            b.t2 <= a.t1 + window_s,
            b.t2 >= a.t1 - window_s,
            b.dst != a.src,
        ],
    )
    j = materialise(j.mutate(pair=j.src.concat("|", j.dst), ts_s=ibis.least(j.t1, j.t2)))
    keys = ["pair", "currency"]
    anchors = anchors_by_distinct(j.mutate(txn_id=j.x1), keys, "mid", window_s, min_intermediaries)
    anchors = materialise(anchors)
    rows = rows_in_episodes(episodes(anchors, keys, window_s), j, keys)
    return scatter_gather_instances(rows, keys)


__all__ = ["node_ranks", "structural_cycles", "windowed_scatter_gather"]
