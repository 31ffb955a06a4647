"""Rule `dormant_reactivation`: dormant account reactivation."""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    HOUR,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
)
from cftwatch.monitoring.params import (
    MAX_HOURS,
    float_param,
    int_param,
    money_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def _dormant(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    react = _reactivations(t, p)
    w = p["window_hours"] * HOUR
    follow = p["cashout_hours"] * HOUR
    ins = t.mutate(acct=t.creditor_account, who=t.debtor_account, dir=ibis.literal("in"))
    outs = t.mutate(acct=t.debtor_account, who=t.creditor_account, dir=ibis.literal("out"))
    cols = ["txn_id", "ts", "ts_s", "amount", "acct", "currency", "who", "dir"]
    both = ins.select(*cols).union(outs.select(*cols))
    j = both.join(
        react,
        [both.acct == react._k, both.ts_s >= react.r_ts, both.ts_s <= react.r_ts + w + follow],
    )
    # inflows count inside the window; outflows up to `cashout_hours` after it
    j = j.filter((j.dir == "out") | (j.ts_s <= j.r_ts + w))
    if not p["count_known_senders"]:  # a payer the account dealt with before its silence
        first = both.group_by(["acct", "who"]).aggregate(_first=both.ts_s.min())
        first = first.select(_fa=first.acct, _fw=first.who, _first=first._first)
        j = j.left_join(first, [j.acct == first._fa, j.who == first._fw]).drop("_fa", "_fw")
        j = j.filter((j.dir == "out") | j._first.isnull() | (j._first > j.prev_ts))
    is_in_ = j.dir == "in"
    g = j.group_by([*KEYS, "r_ts", "prev_ts"]).aggregate(
        window_start=j.ts.min(),
        window_end=j.ts.max(),
        txn_ids=j.txn_id.collect(),
        amount=j.amount.sum(where=is_in_),
        inflows=j.txn_id.count(where=is_in_),
        senders=j.who.nunique(where=is_in_),
        out_amount=j.amount.sum(where=~is_in_),
        in_last=j.ts_s.max(where=is_in_),
    )
    g = g.filter(g.inflows >= p["min_inflows"], g.amount.cast("float64") >= p["min_amount"])
    return alert_shape(
        g,
        inflows=None,
        senders=None,
        out_amount=None,
        dormant_days=((g.r_ts - g.prev_ts) // DAY).cast("int64"),
        in_span_s=g.in_last - g.r_ts,
    )


def _reactivations(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """(`_k` account, `r_ts`, `prev_ts`): activity after a silence of at least
    `dormancy_days` and, when the account has earlier gaps, at least `min_gap_ratio` times
    the longest of them (an account that is active once a year is not dormant after 200
    days; one active every week is)."""
    ev = t.select(acct=t.debtor_account, ts_s=t.ts_s).union(
        t.select(acct=t.creditor_account, ts_s=t.ts_s), distinct=False
    )
    ev = ev.filter(ev.acct.notnull())
    order = {"group_by": "acct", "order_by": "ts_s"}
    ev = ev.mutate(prev_ts=ev.ts_s.lag().over(**order))
    ev = ev.mutate(gap=ev.ts_s - ev.prev_ts)
    longest = ev.gap.max().over(ibis.cumulative_window(**order))
    ev = ev.mutate(_longest=longest)
    ev = ev.mutate(longest_before=ev._longest.lag().over(**order))
    cond = [ev.prev_ts.notnull(), ev.gap >= p["dormancy_days"] * DAY]
    if p["min_gap_ratio"] > 0:
        usual = ev.longest_before.isnull() | (ev.gap >= ev.longest_before * p["min_gap_ratio"])
        cond.append(usual)
    return ev.filter(*cond).select(_k=ev.acct, r_ts=ev.ts_s, prev_ts=ev.prev_ts)


def _dormant_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    out = float(m["out_amount"] or 0)
    share = tx.share(out, m["amount"])
    tail = (
        f"; {tx.pct(share)} of it ({tx.money(out, c)}) left within {p['cashout_hours']} h"
        if out > 0
        else ""
    )
    return (
        f"{tx.capital(m['subject'])} was silent for {m['dormant_days']:,} days, "
        f"then received {tx.money(m['amount'], c)} in {tx.count(m['inflows'], 'payment')} from "
        f"{tx.count(m['senders'], 'sender')} within {tx.duration(m['in_span_s'])}{tail}."
    )


RULE = RuleSpec(
    id="dormant_reactivation",
    position=7,
    typology="dormant_reactivation",
    title="Dormant account reactivation",
    description=(
        "An account with no activity for at least `dormancy_days` receives at least "
        "`min_amount` in at least `min_inflows` payments within `window_hours` of waking up."
        " The rule reads the account's whole history (its lookback is unlimited)."
    ),
    why=(
        "Accounts left idle and then revived with incoming funds are used by returning foreign "
        "fighters and by networks that buy or borrow old accounts whose history looks clean."
    ),
    severity="high",
    params=(
        int_param("dormancy_days", 180, 30, 3650, "days", "Silence that makes an account dormant."),
        int_param(
            "window_hours", 72, 1, MAX_HOURS, "hours", "Inflows counted within this after waking."
        ),
        float_param(
            "min_gap_ratio",
            3.0,
            0.0,
            1000.0,
            "times",
            "The silence must also be at least this many times the account's longest earlier "
            "gap between two payments (0: off; an account without an earlier gap is judged by "
            "`dormancy_days` alone): dormancy is judged against the account's own rhythm.",
        ),
        int_param("min_inflows", 2, 1, 1000, "payments", "Incoming payments needed in the window."),
        int_param(
            "count_known_senders",
            0,
            0,
            1,
            "flag",
            "1: also count inflows from counterparties the account dealt with before its "
            "silence. By default (0) only new payers count: a payer resuming a standing "
            "relationship after a pause is not someone else's money arriving.",
        ),
        money_param("min_amount", 50_000, 0, 1e13, "Incoming total needed in the window."),
        int_param(
            "cashout_hours",
            48,
            0,
            MAX_HOURS,
            "hours",
            "Outflows reported up to this after the window.",
        ),
    ),
    false_positives="Returning migrants, students back from abroad, reactivated salary accounts.",
    sources=("FINTRAC Terrorist Financing Assessment 2018", "FATF Virtual Assets red flags 2020"),
    builder=_dormant,
    explain=_dormant_text,
    score=lambda m, p: ratio_score(m["dormant_days"], p["dormancy_days"]),
    lookback=lambda p: None,
)
