"""Baselines: judge an account's number against its own history and against its peers.

A fixed threshold cannot serve a wallet with 40 payments a day and a business account with
4 a month; a volume rule should ask "is this unusual *for this account*, and for accounts
like it?". Two portable Ibis blocks a rule calls on its per-account metric table:

* `with_own_history`: mean and standard deviation of the account's own previous periods
  (a RANGE window over an integer period, excluding the current one) and the z-score;
* `with_peer_baseline`: the median and the median absolute deviation (MAD) of the metric
  within the account's peer group (any columns: party type, KYC level, region), and the
  robust z-score (x - median) / (1.4826 MAD), which a few extreme accounts cannot move.

`with_peer_quantile` gives the group's high quantile of a metric, for an account whose own
history is too short to judge (a new account is judged against accounts of its kind).

`unusual` combines them into one predicate. Both run on DuckDB and Spark (grouped
aggregates and integer RANGE frames only; approximate medians where the engine has no exact
one in a group).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from cftwatch.monitoring.params import float_param, int_param
from cftwatch.monitoring.spec import ParamSpec

MAD_SCALE = 1.4826
"""Makes the MAD a consistent estimate of the standard deviation for normal data."""


def with_own_history(
    t: ir.Table, keys: Sequence[str], period: str, value: str, periods: int
) -> ir.Table:
    """Add `own_n`, `own_mean`, `own_sd` and `own_z`: the account's previous `periods`
    periods (`period` is an integer such as a day number, one row per key and period;
    periods with no row count as absent, not as zero) and how far the current value is
    from them. The frame ends at the current period, whose own row is then taken out
    (a portable "strictly before": engines differ on negative RANGE bounds)."""
    w = ibis.range_window(preceding=periods, following=0, group_by=list(keys), order_by=period)
    x = t[value].cast("float64")
    s = t.mutate(
        _oh_n=x.count().over(w) - 1, _oh_s=x.sum().over(w) - x, _oh_q=(x * x).sum().over(w) - x * x
    )
    n = s._oh_n.cast("float64")
    mean = ibis.ifelse(s._oh_n > 0, s._oh_s / ibis.greatest(n, 1), ibis.null("float64"))
    var = ibis.greatest((s._oh_q - n * mean * mean) / ibis.greatest(n - 1, 1), 0)
    sd = var.sqrt()
    s = s.mutate(own_n=s._oh_n, own_mean=mean, own_sd=sd)
    judged = (s._oh_n > 1) & (s.own_sd > 0)
    z = ibis.ifelse(judged, (s[value].cast("float64") - s.own_mean) / s.own_sd, ibis.null())
    return s.mutate(own_z=z).drop("_oh_n", "_oh_s", "_oh_q")


def with_peer_baseline(t: ir.Table, groups: Sequence[str], value: str) -> ir.Table:
    """Add `peer_n`, `peer_median`, `peer_mad` and `peer_z` (robust z within the rows of
    the same `groups`; NULL group values form their own group)."""
    g = list(groups)
    x = t[value].cast("float64")
    base = t.mutate(_x=x)
    med = base.group_by(g).aggregate(_med=base._x.approx_median(), peer_n=base.count())
    med = med.select(*[med[c].name(f"_g_{c}") for c in g], "_med", "peer_n")
    j = base.left_join(med, [_same(base[c], med[f"_g_{c}"]) for c in g]).drop(
        *[f"_g_{c}" for c in g]
    )
    j = j.mutate(_dev=(j._x - j._med).abs())
    mad = j.group_by(g).aggregate(_mad=j._dev.approx_median())
    mad = mad.select(*[mad[c].name(f"_h_{c}") for c in g], "_mad")
    k = j.left_join(mad, [_same(j[c], mad[f"_h_{c}"]) for c in g]).drop(*[f"_h_{c}" for c in g])
    scale = k._mad * MAD_SCALE
    z = ibis.ifelse(scale > 0, (k._x - k._med) / scale, ibis.null())
    return k.mutate(peer_median=k._med, peer_mad=k._mad, peer_z=z).drop(
        "_x", "_med", "_mad", "_dev"
    )


def with_peer_quantile(
    t: ir.Table, groups: Sequence[str], value: str, q: float, reference: ir.Table | None = None
) -> ir.Table:
    """Add `peer_q`: the `q` quantile of `value` within the rows of the same `groups` of
    `reference` (default `t`; NULL group values form their own group; NULL where the group
    has no reference row; approximate where the engine has no exact one): "at most `peer_q`
    for a share `q` of accounts of its kind", the figure an account with no history of its
    own is judged against; `peer_q_n`: the number of reference rows in the group."""
    g = list(groups)
    ref = t if reference is None else reference
    agg = ref.group_by(g).aggregate(
        _pq=ref[value].cast("float64").approx_quantile(q), _pn=ref.count()
    )
    agg = agg.select(*[agg[c].name(f"_q_{c}") for c in g], "_pq", "_pn")
    j = t.left_join(agg, [_same(t[c], agg[f"_q_{c}"]) for c in g]).drop(*[f"_q_{c}" for c in g])
    return j.mutate(peer_q=j._pq, peer_q_n=j._pn.fill_null(0)).drop("_pq", "_pn")


def _same(a: ir.Value, b: ir.Value) -> ir.BooleanValue:
    """Equal, with NULL equal to NULL (a group of accounts whose type is unknown)."""
    return (a == b) | (a.isnull() & b.isnull())


def unusual(t: ir.Table, min_own_z: float | None, min_peer_z: float | None) -> ir.BooleanValue:
    """True where the row is unusual for the account (own z at least `min_own_z`, or no
    history to judge by) and for its peers (peer z at least `min_peer_z`, or no spread in
    the group); a bound of None is not applied."""
    cond = ibis.literal(True)
    if min_own_z is not None:
        cond = cond & (t.own_z.isnull() | (t.own_z >= min_own_z))
    if min_peer_z is not None:
        cond = cond & (t.peer_z.isnull() | (t.peer_z >= min_peer_z))
    return cond


def unusual_periods(
    t: ir.Table, account: str, period_s: int, periods: int, min_z: float, by_amount: bool = False
) -> ir.Table:
    """(`_k` account, `_c` currency, `_w` period number): the periods of `period_s` seconds
    in which the account's number of rows of `t` (its payments in, or out, as `account`
    names the side; their total `amount` with `by_amount`) is at least `min_z` standard
    deviations above its own previous `periods` periods. Periods with no row are absent, not zero; an account with fewer
    than two earlier periods, or the same count every period, has no history to judge by
    and each of its periods is kept."""
    rows = t.mutate(acct=t[account], _period=(t.ts_s // period_s).cast("int64"))
    n = rows.amount.sum().cast("float64") if by_amount else rows.count()
    counts = rows.group_by(["acct", "currency", "_period"]).aggregate(_count=n)
    hist = with_own_history(counts, ["acct", "currency"], "_period", "_count", periods)
    hist = hist.filter(unusual(hist, min_z, None))
    return hist.select(_k=hist.acct, _c=hist.currency, _w=hist._period)


def keep_unusual(
    g: ir.Table,
    t: ir.Table,
    account: str,
    at: str,
    period_s: int,
    periods: int,
    min_z: float,
    by_amount: bool = False,
) -> ir.Table:
    """The rows of `g` (per-account findings: `acct`, `currency`, epoch seconds `at`) whose
    period is unusual for the account (`unusual_periods` of `t` on side `account`)."""
    h = unusual_periods(t, account, period_s, periods, min_z, by_amount)
    wk = (g[at] // period_s).cast("int64")
    return g.semi_join(h, [g.acct == h._k, g.currency == h._c, wk == h._w])


def baseline_params(what: str, default_weeks: int = 0) -> tuple[ParamSpec, ParamSpec]:
    """`baseline_weeks` and `baseline_min_z` of a volume rule (`keep_unusual` by week of
    `what`, the weekly figure compared)."""
    state = "off" if default_weeks == 0 else "on"
    return (
        int_param(
            "baseline_weeks",
            default_weeks,
            0,
            52,
            "weeks",
            f"Judge each finding against the account's own previous weeks (0: off; default "
            f"{state}): it alerts only when the week's {what} is at least "
            "`baseline_min_z` standard deviations above the account's usual week, so "
            "accounts that do this every week stay quiet.",
        ),
        float_param(
            "baseline_min_z",
            3.0,
            0.0,
            100.0,
            "standard deviations",
            f"How far above its own usual week's {what} an account must be "
            "(with `baseline_weeks`).",
        ),
    )


__all__ = [
    "MAD_SCALE",
    "baseline_params",
    "keep_unusual",
    "unusual",
    "unusual_periods",
    "with_own_history",
    "with_peer_baseline",
    "with_peer_quantile",
]
