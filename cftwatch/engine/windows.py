"""Portable Ibis idioms for sliding time windows over payments: anchors, episodes.

Everything here is portable Ibis (integer epoch seconds instead of interval arithmetic,
RANGE frames over integers, `nunique` only in grouped aggregates, never in windows), so
the same expression gives the same rows on DuckDB and on Spark. Monitoring rules and
network motifs both build on them; they hold no business rule of their own.

An *anchor* is a payment at which a window `[ts, ts + W]` starts; a key (an account and a
currency) *qualifies* at an anchor when its window meets the rule's condition. Anchors of
one key that lie within `W` of each other form one *episode*, reported as one alert that
covers `[first anchor, last anchor + W]`, so overlapping windows never give two alerts.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

HOUR = 3600
DAY = 86_400


def without_same_ts(
    reduction: ir.Scalar, keys: Sequence[str], preceding: int, following: int
) -> ir.Value:
    """`reduction` over the key's rows with ts_s in [ts - preceding, ts + following], less
    the rows at ts itself: a portable way to say "strictly before" or "strictly after"."""
    order = {"group_by": list(keys), "order_by": "ts_s"}
    frame = ibis.range_window(preceding=preceding, following=following, **order)
    now = ibis.range_window(preceding=0, following=0, **order)
    return reduction.over(frame) - reduction.over(now)


def anchors_by_count(
    rows: ir.Table,
    keys: Sequence[str],
    window_s: int,
    min_rows: int,
    baseline_s: int = 0,
    burst_factor: float = 0.0,
) -> ir.Table:
    """(keys, a_ts): payments at which at least `min_rows` rows of the key fall in [ts, ts+W].

    With `burst_factor` > 0 the window must also hold that many times the key's usual number
    of rows for a window of length W, the usual number taken from the `baseline_s` seconds
    before the anchor; so an account that is always this busy does not qualify.
    """
    w = ibis.range_window(preceding=0, following=window_s, group_by=list(keys), order_by="ts_s")
    counted = rows.mutate(_n=rows.txn_id.count().over(w))
    cond = counted._n >= min_rows
    if burst_factor > 0 and baseline_s > 0:
        counted = counted.mutate(
            _p=without_same_ts(counted.txn_id.count(), keys, preceding=baseline_s, following=0)
        )
        cond = cond & (counted._n >= counted._p * (window_s / baseline_s) * burst_factor)
    return counted.filter(cond).select(*keys, a_ts=counted.ts_s).distinct()


def anchors_by_distinct(
    rows: ir.Table,
    keys: Sequence[str],
    who: str,
    window_s: int,
    min_distinct: int,
    baseline_s: int = 0,
    burst_factor: float = 0.0,
) -> ir.Table:
    """(keys, a_ts): anchors whose window holds at least `min_distinct` distinct `who`.

    Exact. Spark has no DISTINCT in window frames, so the count is a grouped aggregate over
    a range self-join; the row-count window (and the burst test, see `anchors_by_count`)
    first prunes every anchor that cannot qualify, which keeps the join to the few busy
    windows and keeps always-busy accounts out of it altogether.
    """
    cand = anchors_by_count(rows, keys, window_s, min_distinct, baseline_s, burst_factor)
    b = rows.select(*[rows[k].name(f"_b_{k}") for k in keys], _b_ts=rows.ts_s, _who=rows[who])
    preds = [cand[k] == b[f"_b_{k}"] for k in keys]
    preds += [b._b_ts >= cand.a_ts, b._b_ts <= cand.a_ts + window_s]
    j = cand.join(b, preds)
    g = j.group_by([*keys, "a_ts"]).aggregate(_d=j._who.nunique())
    return g.filter(g._d >= min_distinct).select(*keys, "a_ts")


def episodes(anchors: ir.Table, keys: Sequence[str], window_s: int) -> ir.Table:
    """(keys, ep_start, ep_end): qualifying anchors grouped into episodes.

    Anchors of a key less than `W` apart form a chain; a chain is cut into segments of
    length `W` from its first anchor, so a short burst gives one alert and an account that
    stays busy for weeks gives one alert per `W` rather than one that never ends.
    An episode covers [first anchor, last anchor + W].
    """
    a = anchors.select(*keys, "a_ts").distinct()
    prev = a.a_ts.lag().over(group_by=list(keys), order_by="a_ts")
    a = a.mutate(_new=ibis.ifelse(prev.isnull() | (a.a_ts - prev > window_s), 1, 0))
    a = a.mutate(
        _chain=a._new.sum().over(ibis.cumulative_window(group_by=list(keys), order_by="a_ts"))
    )
    a = a.mutate(_c0=a.a_ts.min().over(group_by=[*keys, "_chain"]))
    a = a.mutate(_seg=((a.a_ts - a._c0) // window_s).cast("int64"))
    return a.group_by([*keys, "_chain", "_seg"]).aggregate(
        ep_start=a.a_ts.min(), ep_end=a.a_ts.max() + window_s
    )


def rows_in_episodes(
    eps: ir.Table, rows: ir.Table, keys: Sequence[str], end_extra_s: int = 0
) -> ir.Table:
    """The rows of each episode's key inside [ep_start, ep_end + end_extra], tagged with the
    episode (`ep_start`, `ep_end`)."""
    e = eps.select(*[eps[k].name(f"_e_{k}") for k in keys], "ep_start", "ep_end")
    preds = [rows[k] == e[f"_e_{k}"] for k in keys]
    preds += [rows.ts_s >= e.ep_start, rows.ts_s <= e.ep_end + end_extra_s]
    j = rows.join(e, preds)
    return j.drop(*[f"_e_{k}" for k in keys])
