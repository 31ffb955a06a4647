"""Rule `cash_out_after_fan_in`: cash-out soon after a fan-in."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    HOUR,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.baseline import baseline_params, keep_unusual
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    fan_in_episode_rows,
    is_in,
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


def _cash_out(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    ins = fan_in_episode_rows(inp, p)
    eps = ins.group_by([*KEYS, "ep_start"]).aggregate(
        in_first=ins.ts_s.min(), in_last=ins.ts_s.max()
    )
    out = t.filter(is_in(t.channel, p["cashout_channels"])).mutate(
        acct=t.debtor_account, who=t.creditor_account
    )
    e = eps.select(_k=eps.acct, _c=eps.currency, _s=eps.ep_start, _f=eps.in_first, _l=eps.in_last)
    j = out.join(
        e,
        [
            out.acct == e._k,
            out.currency == e._c,
            out.ts_s >= e._f,
            out.ts_s <= e._l + p["cashout_hours"] * HOUR,
        ],
    )
    cols = ["txn_id", "ts", "ts_s", "amount", "channel", "acct", "currency", "who"]
    outs = j.select(*cols, ep_start=j._s, dir=ibis.literal("out"))
    both = ins.select(*cols, "ep_start", dir=ibis.literal("in")).union(outs)
    is_out = both.dir == "out"
    g = both.group_by([*KEYS, "ep_start"]).aggregate(
        window_start=both.ts.min(),
        window_end=both.ts.max(),
        txn_ids=both.txn_id.collect(),
        amount=both.amount.sum(where=~is_out),
        cashed=both.amount.sum(where=is_out),
        senders=both.who.nunique(where=~is_out),
        payments=both.txn_id.count(where=~is_out),
        cashouts=both.txn_id.count(where=is_out),
        cash_channel=both.txn_id.count(where=is_out & (both.channel == "cash_out")),
        in_first=both.ts_s.min(where=~is_out),
        in_last=both.ts_s.max(where=~is_out),
        out_last=both.ts_s.max(where=is_out),
    )
    g = g.filter(
        g.cashouts > 0,
        g.cashouts <= p["max_cashouts"],
        g.cashed.cast("float64") >= g.amount.cast("float64") * p["min_cashout_share"],
    )
    if p["baseline_weeks"] > 0:
        g = keep_unusual(g, t, "creditor_account", "ep_start", 7 * DAY,
                         p["baseline_weeks"], p["baseline_min_z"])  # fmt: skip
    return alert_shape(
        g,
        senders=None,
        payments=None,
        cashed=None,
        cashouts=None,
        cash_channel=None,
        in_span_s=g.in_last - g.in_first,
        out_delay_s=g.out_last - g.in_last,
    )


def _cash_out_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    share = tx.share(m["cashed"], m["amount"])
    how = "as cash" if m["cash_channel"] == m["cashouts"] else "as cash or crypto"
    return (
        f"{tx.count(m['senders'], 'sender')} paid {tx.money(m['amount'], c)} in total into "
        f"{m['subject']} within {tx.duration(m['in_span_s'])}; {tx.pct(share)} "
        f"({tx.money(m['cashed'], c)}) left {how} within {tx.duration(m['out_delay_s'])} of "
        f"the last payment."
    )


RULE = RuleSpec(
    id="cash_out_after_fan_in",
    position=3,
    typology="crowdfunding_fan_in",
    title="Cash-out soon after a fan-in",
    description=(
        "A fan-in (`min_senders` distinct senders of payments up to `max_payment` within "
        "`window_hours`) followed by cash withdrawals (or crypto purchases) of at least "
        "`min_cashout_share` of the collected amount within `cashout_hours` of the last payment."
    ),
    why=(
        "A promoter who empties the collection wallet in cash right after the appeal cuts the "
        "audit trail where the money meets the cell; FATF lists donations moved out immediately "
        "after they arrive as a core crowdfunding red flag."
    ),
    severity="high",
    params=(
        int_param(
            "min_senders", 10, 2, 10_000, "accounts", "Distinct senders needed in the window."
        ),
        int_param("window_hours", 72, 1, MAX_HOURS, "hours", "Length of the collection window."),
        money_param("max_payment", 10_000, 1, 1e12, "Only payments up to this amount count."),
        channels_param(
            "channels", ["wallet", "bank_transfer", "crypto"], "Channels of the incoming payments."
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent"],
            "Receivers of these party or account types are not considered.",
        ),
        int_param(
            "cashout_hours",
            48,
            1,
            MAX_HOURS,
            "hours",
            "Cash-out must come within this after the last payment.",
        ),
        float_param(
            "min_cashout_share",
            0.7,
            0.05,
            1.0,
            "fraction",
            "Share of the collected amount taken out.",
        ),
        channels_param(
            "cashout_channels", ["cash_out", "crypto"], "Channels that count as cashing out."
        ),
        int_param(
            "max_cashouts",
            5,
            1,
            1000,
            "payments",
            "At most this many cash-outs: a wallet that withdraws all the time is not emptying "
            "a collection.",
        ),
        int_param(
            "baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."
        ),
        float_param(
            "burst_factor",
            3,
            0,
            1000,
            "times",
            "Payments in the window must be this many times the account's usual number for a "
            "window of that length (0 turns the comparison off).",
        ),
        *baseline_params("number of payments received"),
    ),
    false_positives="Collectors for a family emergency who withdraw the money to pay a hospital in cash.",
    sources=("FATF Crowdfunding for Terrorism Financing 2023", "FINTRAC IMVE bulletin"),
    sensitivity=(explore("min_senders", (30, 20, 15, 10, 8, 6, 5, 4, 3)),),
    builder=_cash_out,
    explain=_cash_out_text,
    score=lambda m, p: clip(
        0.6
        + 0.2 * min(1.0, float(m["cashed"]) / max(float(m["amount"]), 1e-9))
        + 0.2 * min(1.0, m["senders"] / (2 * p["min_senders"]))
    ),
    lookback=lambda p: dt.timedelta(
        hours=p["window_hours"] + p["cashout_hours"],
        days=max(p["baseline_days"], 7 * p["baseline_weeks"] + 7),
    ),
)
