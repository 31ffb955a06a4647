"""Rule `rapid_pass_through`: rapid pass-through."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    HOUR,
    episodes,
    without_same_ts,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.baseline import baseline_params, keep_unusual
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    is_in,
    not_in,
    same_time_may_follow,
)
from cftwatch.monitoring.params import (
    MAX_HOURS,
    channels_param,
    explore,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import clip
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.monitoring.standing import fresh_pairs, standing_params


def _pass_through(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = fresh_pairs(inp.txns, p)
    h = p["max_hours"] * HOUR
    ins = t.filter(
        t.amt >= p["min_amount"],
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)
    sent = t.filter(is_in(t.channel, p["out_channels"]))
    q = _passed_on(ins, sent, h, p, same_time_may_follow(inp, p))
    if p["min_account_pass_share"] > 0:
        q = _mostly_passed_on(q, inp.txns, p)
    eps = episodes(q.select(*KEYS, a_ts=q.ts_s), KEYS, h)
    if p["max_earlier_episodes"] >= 0 and p["baseline_weeks"] > 0:
        eps = _not_routine(eps, p)
    qids = q.select(_q=q.txn_id)
    qual = ins.join(qids, ins.txn_id == qids._q).drop("_q")
    e = eps.select("ep_start", "ep_end", _k=eps.acct, _c=eps.currency)
    cols = ["txn_id", "ts", "ts_s", "amount", "acct", "currency", "who"]
    qi = qual.join(
        e,
        [qual.acct == e._k, qual.currency == e._c, qual.ts_s >= e.ep_start, qual.ts_s <= e.ep_end],
    )
    ot = sent.mutate(acct=sent.debtor_account, who=sent.creditor_account)
    later = (ot.ts_s >= e.ep_start) if same_time_may_follow(inp, p) else (ot.ts_s > e.ep_start)
    oo = ot.join(e, [ot.acct == e._k, ot.currency == e._c, later, ot.ts_s <= e.ep_end])
    both = qi.select(*cols, "ep_start", dir=ibis.literal("in")).union(
        oo.select(*cols, "ep_start", dir=ibis.literal("out"))
    )
    is_out = both.dir == "out"
    g = both.group_by([*KEYS, "ep_start"]).aggregate(
        window_start=both.ts.min(),
        window_end=both.ts.max(),
        txn_ids=both.txn_id.collect(),
        amount=both.amount.sum(where=~is_out),
        forwarded=both.amount.sum(where=is_out),
        inflows=both.txn_id.count(where=~is_out),
        outflows=both.txn_id.count(where=is_out),
        receivers=both.who.nunique(where=is_out),
        in_first=both.ts_s.min(where=~is_out),
        out_last=both.ts_s.max(where=is_out),
    )
    if p["baseline_weeks"] > 0:
        g = _unusual_for_account(inp.txns, g, p)
    return alert_shape(
        g,
        forwarded=None,
        inflows=None,
        outflows=None,
        receivers=None,
        through_s=g.out_last - g.in_first,
    )


WEEK = 7 * DAY


def _mostly_passed_on(q: ir.Table, t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """The passed-on inflows `q` of accounts that passed on at least `min_account_pass_share`
    of all their inflows of at least `min_amount` in the data read (standing ones
    included): a mule passes on most of what it gets, while a busy account whose one
    inflow happened to be followed by a payment of about its size keeps the rest."""
    big = t.filter(t.amt >= p["min_amount"])
    every = big.group_by(acct=big.creditor_account, currency=big.currency).aggregate(
        _all=big.count()
    )
    passed = q.group_by(KEYS).aggregate(_pn=q.count())
    j = passed.join(every, [passed.acct == every.acct, passed.currency == every.currency])
    ok = j.filter(j._pn >= j._all * p["min_account_pass_share"]).select(_k=j.acct, _c=j.currency)
    return q.semi_join(ok, [q.acct == ok._k, q.currency == ok._c])


def _not_routine(eps: ir.Table, p: dict[str, Any]) -> ir.Table:
    """The episodes of accounts that passed money through at most `max_earlier_episodes`
    times in the previous `baseline_weeks` weeks: for an account that does it every week,
    passing money on is its usual pattern, not layering."""
    frame = ibis.range_window(
        preceding=p["baseline_weeks"] * WEEK, following=0, group_by=KEYS, order_by="ep_start"
    )
    e = eps.mutate(_earlier=eps.ep_start.count().over(frame) - 1)
    return e.filter(e._earlier <= p["max_earlier_episodes"]).drop("_earlier")


def _unusual_for_account(t: ir.Table, g: ir.Table, p: dict[str, Any]) -> ir.Table:
    """Keep the episodes whose week is unusual for the account: the number of payments it
    received that week at least `baseline_min_z` standard deviations above its own previous
    `baseline_weeks` weeks (`cftwatch.monitoring.baseline.keep_unusual`). A hub that passes
    money through every week is usual for itself; a mule account whose inflows jump when
    the scheme runs is not."""
    return keep_unusual(
        g, t, "creditor_account", "in_first", WEEK, p["baseline_weeks"], p["baseline_min_z"]
    )


def _passed_on(ins: ir.Table, sent: ir.Table, h: int, p: dict[str, Any], same_ts: bool) -> ir.Table:
    """The inflows of which the account sent `min_pass_share`..`max_pass_share` onward in
    at most `max_onward_payments` payments within (ts, ts + h] ([ts, ts + h] with `same_ts`:
    date-only data, where an onward payment of the same day may follow the inflow).

    One sorted pass per account: inflows and onward payments are interleaved and the
    onward amounts after each inflow summed over a RANGE window, so a busy account costs
    its number of rows, not rows squared (as a range join would).
    """
    zero = ibis.literal(0).cast(sent.amount.type())
    both = ins.select(*KEYS, "ts_s", "txn_id", "amt", _oa=zero, _oc=ibis.literal(0)).union(
        sent.select(
            acct=sent.debtor_account,
            currency=sent.currency,
            ts_s=sent.ts_s,
            txn_id=ibis.null("string"),
            amt=ibis.null("float64"),
            _oa=sent.amount,
            _oc=ibis.literal(1),
        )
    )
    if same_ts:  # inflow rows carry zeros, so the frame may include the inflow's own ts
        frame = ibis.range_window(preceding=0, following=h, group_by=KEYS, order_by="ts_s")
        w = both.mutate(_out=both._oa.sum().over(frame), _n=both._oc.sum().over(frame))
    else:
        w = both.mutate(
            _out=without_same_ts(both._oa.sum(), KEYS, preceding=0, following=h),
            _n=without_same_ts(both._oc.sum(), KEYS, preceding=0, following=h),
        )
    w = w.filter(w._oc == 0)
    out = w._out.cast("float64")
    return w.filter(
        w._n > 0,
        out >= w.amt * p["min_pass_share"],
        out <= w.amt * p["max_pass_share"],
        w._n <= p["max_onward_payments"],
    ).select("txn_id", *KEYS, "ts_s", "amt")


def _pass_through_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    share = tx.share(m["forwarded"], m["amount"])
    got = (
        f"received {tx.money(m['amount'], c)}"
        if m["inflows"] == 1
        else f"received {tx.money(m['amount'], c)} in {tx.count(m['inflows'], 'payment')}"
    )
    return (
        f"{tx.capital(m['subject'])} {got} and sent {tx.pct(share)} of it "
        f"({tx.money(m['forwarded'], c)}) on to {tx.count(m['receivers'], 'account')} within "
        f"{tx.duration(m['through_s'])}."
    )


RULE = RuleSpec(
    id="rapid_pass_through",
    position=4,
    typology="rapid_pass_through",
    title="Rapid pass-through",
    description=(
        "An account receives at least `min_amount` and sends at least `min_pass_share` of it "
        "onward within `max_hours`. Agents, merchants and businesses, which settle and pay "
        "suppliers out of receipts every day, are excluded by default (front companies are "
        "left to the network rules, or include businesses in `rules.yaml`)."
    ),
    why=(
        "Money that only touches an account on its way elsewhere is being layered: mules and "
        "front accounts pass funds for a cell within hours so that no balance sits where it can "
        "be frozen."
    ),
    severity="high",
    params=(
        money_param(
            "min_amount",
            100_000,
            1,
            1e12,
            "Smallest incoming payment considered.",
            floor=True,
        ),
        float_param(
            "min_pass_share", 0.8, 0.1, 1.0, "fraction", "Share of the inflow sent onward."
        ),
        float_param(
            "max_pass_share",
            1.0,
            1.0,
            100.0,
            "fraction",
            "At most this share of the inflow leaves within the window (more is other money).",
        ),
        float_param(
            "min_account_pass_share",
            0.2,
            0.0,
            1.0,
            "fraction",
            "Alert only on accounts that passed on at least this share of all their inflows "
            "of at least `min_amount` in the data read (0: off; default on): a mule passes on most of "
            "what it receives; a busy account with many payers, one of whose payments was "
            "followed by a payment out of about its size, keeps the rest.",
        ),
        int_param(
            "max_onward_payments",
            3,
            1,
            1000,
            "payments",
            "Onward payments within the window; many small ones are spending, not passing on.",
        ),
        channels_param(
            "out_channels",
            ["wallet", "bank_transfer", "remittance", "crypto", "cash_out"],
            "Channels of onward payments (spending at merchants and bills is not passing on).",
        ),
        int_param(
            "max_hours", 24, 1, MAX_HOURS, "hours", "Onward payments must follow within this."
        ),
        *baseline_params("number of inflows", 12),
        *standing_params("the inflows and the onward payments", 1, 365),
        int_param(
            "max_earlier_episodes",
            0,
            -1,
            1000,
            "episodes",
            "With `baseline_weeks`: alert only when the account passed money through at most "
            "this many times in its previous `baseline_weeks` weeks (-1: off; default 0: "
            "the first pass-through in that time alerts, the account's later ones do not "
            "repeat it); an account that does it every week is doing its usual business.",
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business"],
            "Accounts of these party or account types are not considered: settling what comes in "
            "is their business, and firms paying suppliers out of receipts were nine in ten of "
            "this rule's false alerts on synth data.",
        ),
    ),
    false_positives="Salary accounts emptied into savings; firms paying suppliers from receipts when businesses are included.",
    sources=(
        "FATF Crowdfunding 2023 (funds moved out right after arrival)",
        "FINTRAC IMVE bulletin",
    ),
    sensitivity=(explore("min_pass_share", (0.99, 0.95, 0.9, 0.8, 0.7)),),
    builder=_pass_through,
    explain=_pass_through_text,
    score=lambda m, p: clip(
        0.5
        + 0.5 * min(1.0, float(m["forwarded"]) / max(float(m["amount"]), 1e-9))
        - 0.1 * (m["through_s"] > p["max_hours"] * HOUR / 2)
    ),
    settings=("same_day_legs",),
    lookback=lambda p: dt.timedelta(
        hours=2 * p["max_hours"],
        weeks=p["baseline_weeks"] + 1,
        days=p["standing_days"] if p["standing_payments"] > 0 else 0,
    ),
)
