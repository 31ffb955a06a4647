"""Shared blocks of the one-off counterparty fan rules (`one_off_fan_in`, `one_off_fan_out`,
`one_off_collector`); not a rule (the registry skips modules starting with `_`).

A *one-off counterparty* of an account, on one side (money in or money out), is an account
that paid it (or that it paid) at most `max_pair_payments` times in the monitored data,
counted over every channel and amount: donors, mules and cut-outs are paid once, while
customers, employers, landlords and family are paid again and again. Each such pair is
counted once, at its first payment, so the number of rows in a window is the number of
*new* counterparties that appeared in it.

The account's own history decides what is unusual: its rate of one-off counterparties in
the rest of the monitored data (before and after the window, other windows of the same
length), so an account that takes on new counterparties every week is judged by that habit,
while an account that deals with the same few counterparties and suddenly gains many new
ones is not. An account with less than one window of history outside the window (or fewer
than `min_history_payments` payments) has no habit to judge by. With
`new_account_quantile` such a *new* account is judged against the established accounts of
its peer group (party type, account type, KYC level): it alerts when a window brings it
more new counterparties than that quantile of their busiest windows (new accounts used as
collectors or mules are a published red flag); without, it does not alert (unless
`burst_factor` is 0). On data shorter than two windows nobody is established and the
counts alone say nothing.

A counterparty can be required to be quiet too (`max_counterparty_one_offs`): the payment
must be rare for both ends, so a payer that pays a new account every week (a benign
fan-out) does not make each of its payees look like the target of a fan-in.
"""

from __future__ import annotations

from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import DAY, episodes, rows_in_episodes
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.baseline import with_peer_quantile
from cftwatch.monitoring.blocks import KEYS, base_aggregates, is_in, not_in
from cftwatch.monitoring.context import PEER_GROUP
from cftwatch.monitoring.params import (
    MAX_DAYS,
    channels_param,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.spec import ParamSpec, RuleInput
from cftwatch.monitoring.standing import pair_counts, shared

Side = Literal["in", "out"]

CHANNELS = ["any_transfer", "other"]
"""Every payment between two accounts: cash and merchant payments have no counterparty
account to be new, and book transfers (`other`) carry account-to-account payments in
core-banking exports."""

LISTED = 8
"""Counterparties named in an alert's sentence; the rest are counted."""


def one_off_rows(inp: RuleInput, p: dict[str, Any], side: Side) -> ir.Table:
    """The first payment of each one-off pair on `side` of the account (`acct`: the
    receiver for "in", the payer for "out"; `who`: the counterparty), with the payment
    floor, channels and party-type exclusions of `p` applied. A counterparty with more than
    `max_counterparty_one_offs` one-off counterparties of its own is left out, or, with
    `habit_counts_busy`, kept with `quiet` False: part of the account's habit, not counted
    in a burst."""
    t = inp.txns
    t = t.filter(
        t.debtor_account.notnull(),
        t.creditor_account.notnull(),
        t.debtor_account != t.creditor_account,
    )
    pairs = shared("pair_counts", inp.txns, pair_counts)  # one table for the three rules
    few = pairs.filter(pairs._pn <= p["max_pair_payments"])
    few = few.select(_d=few.debtor_account, _c=few.creditor_account)
    me, other = ("creditor", "debtor") if side == "in" else ("debtor", "creditor")
    r = t.filter(
        is_in(t.channel, p["channels"]),
        t.amt >= p["min_payment"],
        not_in(t[f"{me}_party_type"], p["exclude_party_types"]),
        not_in(t[f"{me}_account_type"], p["exclude_party_types"]),
    )
    r = r.semi_join(few, [r.debtor_account == few._d, r.creditor_account == few._c])
    if p["max_counterparty_one_offs"] > 0:  # the payment is also rare for the counterparty
        by = few.group_by(few[f"_{other[0]}"].name("_w")).aggregate(_wn=few.count())
        busy = by.filter(by._wn > p["max_counterparty_one_offs"]).select(_b=by._w)
        if p["habit_counts_busy"]:  # busy counterparties stay in the account's habit
            r = r.left_join(busy, r[f"{other}_account"] == busy._b)
            r = r.mutate(quiet=r._b.isnull()).drop("_b")
        else:
            r = r.anti_join(busy, r[f"{other}_account"] == busy._b).mutate(quiet=ibis.literal(True))
    else:
        r = r.mutate(quiet=ibis.literal(True))
    r = r.mutate(acct=r[f"{me}_account"], who=r[f"{other}_account"])
    first = ibis.row_number().over(group_by=["acct", "who"], order_by=["ts_s", "txn_id"])
    r = r.mutate(_first=first)
    return r.filter(r._first == 0).drop("_first")


def history_span(inp: RuleInput) -> ir.Table:
    """(_ha, _hc, _h0, _h1, _hn, peer group): first and last payment of each account (and
    currency), sent or received, over every payment, and their number: how long and how
    much the account has been seen; its party type, account type and KYC level (one table
    for the three rules of a run: `shared`)."""
    return shared("history_span", inp.txns, _history_span)


def _history_span(t: ir.Table) -> ir.Table:
    sides = [
        t.filter(t[f"{c}_account"].notnull()).select(
            _ha=t[f"{c}_account"],
            _hc=t.currency,
            _ts=t.ts_s,
            **{g: t[f"{c}_{g}"] for g in PEER_GROUP},
        )
        for c in ("debtor", "creditor")
    ]
    u = sides[0].union(sides[1])
    return u.group_by(["_ha", "_hc"]).aggregate(
        _h0=u._ts.min(), _h1=u._ts.max(), _hn=u.count(), **{g: u[g].max() for g in PEER_GROUP}
    )


def with_usual_rate(r: ir.Table, span: ir.Table, window_s: int) -> ir.Table:
    """Add `k` (new counterparties in [ts, ts + W] from each row, `quiet` ones only),
    `k_amount` (their total), `usual` (the account's number of new counterparties, quiet or
    not, per window of length W in the rest of its history, `span`; NULL with less than one
    window of history outside) and `history_payments` (the account's payments in the data)."""
    w = ibis.range_window(preceding=0, following=window_s, group_by=KEYS, order_by="ts_s")
    quiet = r.quiet if "quiet" in r.columns else ibis.literal(True)
    s = r.mutate(
        k=ibis.ifelse(quiet, 1, 0).sum().over(w),
        k_amount=ibis.ifelse(quiet, r.amt, 0).sum().over(w),
        _all=r.txn_id.count().over(w),
        _n=r.txn_id.count().over(ibis.window(group_by=KEYS)),
    )
    s = s.left_join(span, [s.acct == span._ha, s.currency == span._hc])
    rest_s = (s._h1 - s._h0 - window_s).cast("float64")
    usual = ibis.ifelse(
        rest_s >= window_s,
        (s._n - s._all).cast("float64") * window_s / rest_s,
        ibis.null("float64"),
    )
    drop = ["_n", "_all", "_ha", "_hc", "_h0", "_h1", "_hn", *PEER_GROUP]
    return s.mutate(usual=usual, history_payments=s._hn).drop(*drop)


def unusual_windows(inp: RuleInput, p: dict[str, Any], side: Side) -> tuple[ir.Table, ir.Table]:
    """(anchors, rows): the window starts (`acct`, `currency`, `a_ts`) where the account
    gained at least `min_counterparties` new one-off counterparties on `side` within
    `window_days`, for at least `min_total`, and at least `burst_factor` times its usual
    number; and the one-off rows themselves.

    A *new* account (less than one window of history outside the window, or fewer than
    `min_history_payments` payments in the data) has no usual number: with
    `new_account_quantile` it is judged against its peers instead, alerting when the
    window brought it more new counterparties than the `new_account_quantile` quantile of
    its peer group's busiest windows (`peer_most` of the anchor; NULL when the account
    was judged by its own history); without, it does not alert."""
    w = p["window_days"] * DAY
    r = one_off_rows(inp, p, side)
    span = history_span(inp)
    s = with_usual_rate(r, span, w).filter(lambda x: x.quiet)
    new = s.usual.isnull() | (s.history_payments < p["min_history_payments"])
    s = s.mutate(_new=new)
    if p["burst_factor"] <= 0:
        judged: ir.BooleanValue = ibis.literal(True)
    elif p["new_account_quantile"] > 0:  # a new account is judged against its peers
        pf = peer_figures(s, span, p)
        pf = pf.rename(_pa="acct", _pcur="currency")
        s = s.left_join(pf, [s.acct == pf._pa, s.currency == pf._pcur]).drop("_pa", "_pcur")
        own = s.k.cast("float64") >= s.usual * p["burst_factor"]
        judged = ibis.ifelse(s._new, s.k.cast("float64") > s.peer_most, own)
    else:
        judged = ~s._new & (s.k.cast("float64") >= s.usual * p["burst_factor"])
    peer = s.peer_most if "peer_most" in s.columns else ibis.null("float64")
    peer = ibis.ifelse(s._new, peer, ibis.null("float64"))
    cond = (s.k >= p["min_counterparties"]) & (s.k_amount >= p["min_total"])
    anchors = s.filter(cond & judged.fill_null(False))
    anchors = anchors.select(*KEYS, a_ts=anchors.ts_s, peer_most=peer).distinct()
    return anchors, r.filter(r.quiet)


def peer_figures(s: ir.Table, span: ir.Table, p: dict[str, Any]) -> ir.Table:
    """(acct, currency, `peer_most`): for each account with new one-off rows `s`, the
    `new_account_quantile` quantile of the most new one-off counterparties any window of the
    same length brought to the *established* accounts of its peer group (party type, account
    type, KYC level): those with enough history to be judged by their own (at least two
    windows and `min_history_payments`), most of them with none. A group with fewer than
    `new_account_min_peers` established accounts (data shorter than two windows: every
    account is new) gives NULL, and its accounts are not judged."""
    w = p["window_days"] * DAY
    peak = s.group_by(KEYS).aggregate(_pk=s.k.max())
    pop = span.left_join(peak, [span._ha == peak.acct, span._hc == peak.currency])
    pop = pop.mutate(_pk=pop._pk.fill_null(0))
    ref = pop.filter(pop._h1 - pop._h0 >= 2 * w, pop._hn >= p["min_history_payments"])
    pq = with_peer_quantile(
        pop.filter(pop._pk > 0), PEER_GROUP, "_pk", p["new_account_quantile"], ref
    )
    enough = pq.peer_q_n >= p["new_account_min_peers"]
    most = ibis.ifelse(enough, pq.peer_q, ibis.null("float64"))
    return pq.select(acct=pq._ha, currency=pq._hc, peer_most=most)


def episode_aggregate(anchors: ir.Table, r: ir.Table, window_s: int, prefix: str) -> ir.Table:
    """One row per episode of `anchors` over the one-off rows `r`: the alert's base columns,
    `{prefix}_counterparties` (the sorted list of new counterparties), `{prefix}_n` and
    `peer_most` (`with_peer_most`)."""
    rows = rows_in_episodes(episodes(anchors, KEYS, window_s), r, KEYS)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        **{f"{prefix}_n": rows.who.nunique(), f"{prefix}_who": rows.who.collect().sort()},
    )
    return with_peer_most(g, anchors)


def with_peer_most(g: ir.Table, anchors: ir.Table, *more: ir.Table) -> ir.Table:
    """Add `peer_most` to the per-account findings `g` (`acct`, `currency`): the peer figure
    a new account was judged against (the largest over its anchors, NULL when it was judged
    by its own history)."""
    a = anchors.select(*KEYS, "peer_most")
    for m in more:
        a = a.union(m.select(*KEYS, "peer_most"))
    pm = a.group_by(KEYS).aggregate(_pm=a.peer_most.max())
    pm = pm.rename(_ma="acct", _mc="currency")
    j = g.left_join(pm, [g.acct == pm._ma, g.currency == pm._mc]).drop("_ma", "_mc")
    return j.rename(peer_most="_pm")


def new_account_clause(
    m: dict[str, Any], p: dict[str, Any], n: int, noun: str, plural: str | None = None
) -> str | None:
    """`new account: 9 new one-off senders in 30 days where 99 % of accounts of its kind
    have at most 2` (None when the account was judged by its own history)."""
    if m.get("peer_most") is None:
        return None
    return (
        f"new account: {tx.count(n, noun, plural)} in {p['window_days']} days where "
        f"{tx.pct(p['new_account_quantile'])} of accounts of its kind have at most "
        f"{int(m['peer_most'])}"
    )


def listed(who: list[Any] | None) -> str:
    """`A1, A2 and A3` / `A1, ..., A8 and 4 others`: the counterparties of a sentence."""
    names = [str(x) for x in (who or [])]
    if len(names) > LISTED:
        rest = len(names) - LISTED
        return ", ".join(names[:LISTED]) + f" and {tx.count(rest, 'other')}"
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _new_account_params(new_quantile: float, history_payments: int) -> tuple[ParamSpec, ...]:
    """`min_history_payments` and `new_account_quantile`: what makes an account new, and
    how a new account is judged."""
    return (
        int_param(
            "min_history_payments",
            history_payments,
            0,
            100_000,
            "payments",
            "An account with fewer payments than this in the data (sent or received), or with "
            "less than one window of history outside the window, is *new*: it has no habit of "
            "its own to judge by (0: only the history's length counts).",
        ),
        int_param(
            "new_account_min_peers",
            30,
            1,
            1_000_000,
            "accounts",
            "A new account is judged against its peers only where its group has at least this "
            "many established accounts (a quantile of a handful of accounts says nothing; on "
            "data shorter than two windows nobody is established).",
        ),
        float_param(
            "new_account_quantile",
            new_quantile,
            0,
            1,
            "fraction",
            "Judge a new account against the accounts of its kind (party type, account type, "
            "KYC level; all accounts when none is known): it alerts when a window brings it "
            "more new one-off counterparties than this quantile of its peers' busiest windows "
            "(0: a new account does not alert, having no history to judge). New accounts used "
            "as collectors or mules are a published red flag.",
        ),
    )


def _habit_param(habit_busy: int) -> ParamSpec:
    """`habit_counts_busy`."""
    return int_param(
        "habit_counts_busy",
        habit_busy,
        0,
        1,
        "flag",
        "With `max_counterparty_one_offs`: 1 keeps the busy counterparties (those for "
        "which the payment is not rare) in the account's usual number while leaving them "
        "out of the window's count, so an account that pays busy payees all the time has a "
        "habit to be judged by; 0 leaves them out of both.",
    )


def one_off_params(
    side: str,
    min_counterparties: int,
    window_days: int,
    one_offs: int,
    burst: float,
    new_quantile: float = 0.0,
    history_payments: int = 0,
    habit_busy: int = 0,
) -> tuple[ParamSpec, ...]:
    """The parameters every one-off fan rule shares (`side`: "senders" or "recipients")."""
    return (
        int_param(
            "min_counterparties",
            min_counterparties,
            2,
            10_000,
            "accounts",
            f"New one-off {side} needed within the window.",
        ),
        int_param(
            "window_days",
            window_days,
            1,
            MAX_DAYS,
            "days",
            "Length of the window (patterns whose legs are months apart need long windows).",
        ),
        int_param(
            "max_pair_payments",
            1,
            1,
            1_000,
            "payments",
            "A counterparty is one-off when it and the account exchanged at most this many "
            "payments (that direction) in the monitored data.",
        ),
        int_param(
            "max_counterparty_one_offs",
            one_offs,
            0,
            100_000,
            "accounts",
            "Count a new counterparty only where the payment is rare for it too: it has at "
            "most this many one-off counterparties of its own in the data, on its side of the "
            "payment (0: every counterparty). A payer that pays a new account every week (a "
            "benign fan-out) makes one-off payments all the time; a mule or front does not.",
        ),
        _habit_param(habit_busy),
        float_param(
            "burst_factor",
            burst,
            0,
            1000,
            "times",
            f"New one-off {side} in the window must be this many times the account's usual "
            "number for a window of that length, taken from the rest of its history; an "
            "account with less than one window of history outside the window is not judged "
            "and does not alert (0 turns the comparison off and alerts on counts alone).",
        ),
        *_new_account_params(new_quantile, history_payments),
        money_param(
            "min_payment",
            0,
            0,
            1e12,
            "Smallest payment that counts (`q5`: the 5th percentile of the institution's amounts).",
            floor=True,
        ),
        money_param("min_total", 0, 0, 1e13, "Smallest total of the new payments in the window."),
        channels_param("channels", list(CHANNELS), "Channels that count."),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Accounts of these party or account types take on new counterparties all the time "
            "and are not considered.",
        ),
    )


__all__ = [
    "CHANNELS",
    "episode_aggregate",
    "history_span",
    "listed",
    "new_account_clause",
    "one_off_params",
    "one_off_rows",
    "peer_figures",
    "unusual_windows",
    "with_peer_most",
    "with_usual_rate",
]
