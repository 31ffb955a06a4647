"""The built-in terrorist-financing rule pack.

Each rule is a `RuleSpec`: documentation, parameters with defaults and bounds, an Ibis
builder, a sentence writer and a score. Money parameters are in the transaction's own
currency (defaults suit PKR; no FX conversion is done). Defaults were tuned on
`cftwatch.synth` data (see `benchmarks/monitoring_quality.py` and docs/benchmarks.md).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    DAY,
    HOUR,
    anchors_by_count,
    anchors_by_distinct,
    base_aggregates,
    episodes,
    is_in,
    not_in,
    rows_in_episodes,
    with_prior_count,
    without_same_ts,
)
from cftwatch.monitoring.spec import ParamSpec, RuleInput, RuleSpec
from cftwatch.schema import CHANNELS, SEVERITIES

PARTY_TYPES = ("individual", "business", "merchant", "agent", "npo")
ACCOUNT_TYPES = ("bank", "wallet", "agent", "merchant", "npo")
KEYS = ["acct", "currency"]

# -- parameter helpers ----------------------------------------------------------------


def _int(name: str, default: int, lo: int, hi: int, unit: str, doc: str) -> ParamSpec:
    return ParamSpec(
        name=name, kind="int", default=default, minimum=lo, maximum=hi, unit=unit, description=doc
    )


def _float(name: str, default: float, lo: float, hi: float, unit: str, doc: str) -> ParamSpec:
    return ParamSpec(
        name=name, kind="float", default=default, minimum=lo, maximum=hi, unit=unit, description=doc
    )


def _list(name: str, default: list[str], choices: tuple[str, ...] | None, doc: str) -> ParamSpec:
    return ParamSpec(name=name, kind="str_list", default=default, choices=choices, description=doc)


def _channels(name: str, default: list[str], doc: str) -> ParamSpec:
    return _list(name, default, CHANNELS, doc)


def _party_types(name: str, default: list[str], doc: str) -> ParamSpec:
    return _list(name, default, PARTY_TYPES, doc)


def _hours(name: str) -> Any:
    return lambda p: dt.timedelta(hours=p[name])


def _days(name: str) -> Any:
    return lambda p: dt.timedelta(days=p[name])


def _clip(x: float) -> float:
    return round(max(0.0, min(1.0, x)), 4)


def _ratio_score(value: float, threshold: float) -> float:
    """0.5 at the threshold, rising towards 1 at twice it."""
    if threshold <= 0:
        return 1.0
    return _clip(0.5 + 0.5 * (value - threshold) / threshold)


def _finish(g: ir.Table, subject: str = "acct", **metrics: Any) -> ir.Table:
    """Project an aggregate onto the alert shape (ALERT_COLUMNS + metrics)."""
    return g.select(
        subject_id=g[subject],
        window_start=g.window_start,
        window_end=g.window_end,
        txn_ids=g.txn_ids,
        amount=g.amount,
        currency=g.currency,
        **{k: (g[k] if v is None else v) for k, v in metrics.items()},
    )


def _hr_area(t: ir.Table, side: str, p: dict[str, Any]) -> ir.BooleanValue:
    return is_in(t[f"{side}_country"], p["high_risk_countries"]) | is_in(
        t[f"{side}_region"], p["high_risk_regions"]
    )


# -- 1. structuring ---------------------------------------------------------------------


def _structuring(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    thr = float(p["threshold"])
    r = t.filter(is_in(t.channel, p["channels"]), t.amt >= thr * p["lower_fraction"], t.amt < thr)
    r = r.mutate(acct=r.creditor_account)
    w = p["window_days"] * DAY
    eps = episodes(anchors_by_count(r, KEYS, w, p["min_deposits"]), KEYS, w)
    rows = rows_in_episodes(eps, r, KEYS)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        deposits=rows.count(),
        smallest=rows.amount.min(),
        largest=rows.amount.max(),
        depositors=rows.debtor_account.nunique(),
    )
    return _finish(g, deposits=None, smallest=None, largest=None, depositors=None)


def _structuring_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.count(m['deposits'], 'cash deposit')} of {tx.money(m['smallest'], None)} to "
        f"{tx.money(m['largest'], c)}, each just under the {tx.money(p['threshold'], c)} reporting "
        f"threshold, went into {m['subject']} within {tx.duration(m['span_s'])} "
        f"({tx.money(m['amount'], c)} in total, via {tx.count(m['depositors'], 'agent')})."
    )


STRUCTURING = RuleSpec(
    id="structuring",
    typology="structuring",
    title="Structuring just below the reporting threshold",
    description=(
        "Several cash deposits into one account, each between `lower_fraction` of the "
        "reporting threshold and the threshold itself, within `window_days`."
    ),
    why=(
        "Splitting cash so that no single deposit reaches the currency transaction report "
        "threshold (PKR 2 million in Pakistan) keeps the money out of the FIU's view; small "
        "terrorist cells and their financiers use it to place cash collected by hand."
    ),
    severity="high",
    params=(
        _float("threshold", 2_000_000, 1, 1e12, "currency", "The reporting threshold."),
        _float(
            "lower_fraction",
            0.9,
            0.5,
            0.999,
            "fraction",
            "Deposits at or above this share of the threshold count.",
        ),
        _int(
            "min_deposits", 3, 2, 100, "deposits", "Near-threshold deposits needed in the window."
        ),
        _int("window_days", 7, 1, 90, "days", "Length of the sliding window."),
        _channels("channels", ["cash_in"], "Channels that count as cash deposits."),
    ),
    false_positives="Shops and firms banking their takings, which sometimes come close to the threshold.",
    sources=("FFIEC BSA/AML Manual App. F", "FATF EoRMT 2021", "AML Act 2010 s.7 (CTR)"),
    builder=_structuring,
    explain=_structuring_text,
    score=lambda m, p: _ratio_score(m["deposits"], p["min_deposits"]),
    lookback=_days("window_days"),
)


# -- 2. crowdfunding fan-in ----------------------------------------------------------


def _fan_in_rows(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """Small person-to-person payments into accounts that are not NPOs, merchants or agents."""
    t = inp.txns
    return t.filter(
        is_in(t.channel, p["channels"]),
        t.amt <= p["max_payment"],
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
        t.debtor_account.notnull(),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)


def _fan_in_episode_rows(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    r = _fan_in_rows(inp, p)
    w = p["window_hours"] * HOUR
    anchors = anchors_by_distinct(
        r, KEYS, "who", w, p["min_senders"], p["baseline_days"] * DAY, p["burst_factor"]
    )
    return rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)


def _fan_in(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    rows = _fan_in_episode_rows(inp, p)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        senders=rows.who.nunique(),
        payments=rows.count(),
        largest=rows.amount.max(),
    )
    return _finish(g, senders=None, payments=None, largest=None)


def _fan_in_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.count(m['senders'], 'sender')} paid {tx.money(m['amount'], c)} in total into "
        f"{m['subject']} in {tx.count(m['payments'], 'small payment')} (none above "
        f"{tx.money(m['largest'], c)}) within {tx.duration(m['span_s'])}."
    )


_FAN_IN_PARAMS = (
    _int("min_senders", 15, 2, 10_000, "accounts", "Distinct senders needed in the window."),
    _int("window_hours", 72, 1, 24 * 31, "hours", "Length of the sliding window."),
    _float("max_payment", 10_000, 1, 1e12, "currency", "Only payments up to this amount count."),
    _channels("channels", ["wallet", "ibft", "crypto"], "Person-to-person channels that count."),
    _party_types(
        "exclude_party_types",
        ["npo", "merchant", "agent", "business"],
        "Receivers of these party or account types are expected to collect many payments.",
    ),
    _int("baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."),
    _float(
        "burst_factor",
        3,
        0,
        1000,
        "times",
        "Payments in the window must be this many times the account's usual number for a "
        "window of that length (0 turns the comparison off).",
    ),
)

CROWDFUNDING_FAN_IN = RuleSpec(
    id="crowdfunding_fan_in",
    typology="crowdfunding_fan_in",
    title="Crowdfunding fan-in into a personal account",
    description=(
        "Many distinct senders pay small amounts into one personal account or wallet within "
        "a sliding window (`min_senders` within `window_hours`, each payment at most "
        "`max_payment`). Registered NPOs, merchants and agents are left to other rules."
    ),
    why=(
        "Terrorist groups raise money through appeals whose donations land in a promoter's "
        "personal wallet: a conspicuous number of small transfers from unrelated people is "
        "FATF's first crowdfunding risk indicator."
    ),
    severity="medium",
    params=_FAN_IN_PARAMS,
    false_positives="Personal appeals (medical bills, funerals, flood relief) and busy traders' wallets.",
    sources=("FATF Crowdfunding for Terrorism Financing 2023",),
    builder=_fan_in,
    explain=_fan_in_text,
    score=lambda m, p: _ratio_score(m["senders"], p["min_senders"]),
    lookback=lambda p: dt.timedelta(hours=p["window_hours"], days=p["baseline_days"]),
)


# -- 3. cash-out after fan-in ----------------------------------------------------------


def _cash_out(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    ins = _fan_in_episode_rows(inp, p)
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
    return _finish(
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
    share = float(m["cashed"]) / float(m["amount"]) if float(m["amount"]) else 0.0
    how = "as cash" if m["cash_channel"] == m["cashouts"] else "as cash or crypto"
    return (
        f"{tx.count(m['senders'], 'sender')} paid {tx.money(m['amount'], c)} in total into "
        f"{m['subject']} within {tx.duration(m['in_span_s'])}; {tx.pct(share)} "
        f"({tx.money(m['cashed'], c)}) left {how} within {tx.duration(m['out_delay_s'])} of "
        f"the last payment."
    )


CASH_OUT_AFTER_FAN_IN = RuleSpec(
    id="cash_out_after_fan_in",
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
        _int("min_senders", 10, 2, 10_000, "accounts", "Distinct senders needed in the window."),
        _int("window_hours", 72, 1, 24 * 31, "hours", "Length of the collection window."),
        _float(
            "max_payment", 10_000, 1, 1e12, "currency", "Only payments up to this amount count."
        ),
        _channels("channels", ["wallet", "ibft", "crypto"], "Channels of the incoming payments."),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent"],
            "Receivers of these party or account types are not considered.",
        ),
        _int(
            "cashout_hours",
            48,
            1,
            24 * 14,
            "hours",
            "Cash-out must come within this after the last payment.",
        ),
        _float(
            "min_cashout_share",
            0.7,
            0.05,
            1.0,
            "fraction",
            "Share of the collected amount taken out.",
        ),
        _channels(
            "cashout_channels", ["cash_out", "crypto"], "Channels that count as cashing out."
        ),
        _int(
            "max_cashouts",
            5,
            1,
            1000,
            "payments",
            "At most this many cash-outs: a wallet that withdraws all the time is not emptying "
            "a collection.",
        ),
        _int("baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."),
        _float(
            "burst_factor",
            3,
            0,
            1000,
            "times",
            "Payments in the window must be this many times the account's usual number for a "
            "window of that length (0 turns the comparison off).",
        ),
    ),
    false_positives="Collectors for a family emergency who withdraw the money to pay a hospital in cash.",
    sources=("FATF Crowdfunding for Terrorism Financing 2023", "FINTRAC IMVE bulletin"),
    builder=_cash_out,
    explain=_cash_out_text,
    score=lambda m, p: _clip(
        0.6
        + 0.2 * min(1.0, float(m["cashed"]) / max(float(m["amount"]), 1e-9))
        + 0.2 * min(1.0, m["senders"] / (2 * p["min_senders"]))
    ),
    lookback=lambda p: dt.timedelta(
        hours=p["window_hours"] + p["cashout_hours"], days=p["baseline_days"]
    ),
)


# -- 4. rapid pass-through -------------------------------------------------------------


def _pass_through(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    h = p["max_hours"] * HOUR
    ins = t.filter(
        t.amt >= p["min_amount"],
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)
    sent = t.filter(is_in(t.channel, p["out_channels"]))
    q = _passed_on(ins, sent, h, p)
    eps = episodes(q.select(*KEYS, a_ts=q.ts_s), KEYS, h)
    qids = q.select(_q=q.txn_id)
    qual = ins.join(qids, ins.txn_id == qids._q).drop("_q")
    e = eps.select("ep_start", "ep_end", _k=eps.acct, _c=eps.currency)
    cols = ["txn_id", "ts", "ts_s", "amount", "acct", "currency", "who"]
    qi = qual.join(
        e,
        [qual.acct == e._k, qual.currency == e._c, qual.ts_s >= e.ep_start, qual.ts_s <= e.ep_end],
    )
    ot = sent.mutate(acct=sent.debtor_account, who=sent.creditor_account)
    oo = ot.join(
        e, [ot.acct == e._k, ot.currency == e._c, ot.ts_s > e.ep_start, ot.ts_s <= e.ep_end]
    )
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
    return _finish(
        g,
        forwarded=None,
        inflows=None,
        outflows=None,
        receivers=None,
        through_s=g.out_last - g.in_first,
    )


def _passed_on(ins: ir.Table, sent: ir.Table, h: int, p: dict[str, Any]) -> ir.Table:
    """The inflows of which the account sent `min_pass_share`..`max_pass_share` onward in
    at most `max_onward_payments` payments within (ts, ts + h].

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
    share = float(m["forwarded"]) / float(m["amount"]) if float(m["amount"]) else 0.0
    got = (
        f"received {tx.money(m['amount'], c)}"
        if m["inflows"] == 1
        else f"received {tx.money(m['amount'], c)} in {tx.count(m['inflows'], 'payment')}"
    )
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} {got} and sent {tx.pct(share)} of it "
        f"({tx.money(m['forwarded'], c)}) on to {tx.count(m['receivers'], 'account')} within "
        f"{tx.duration(m['through_s'])}."
    )


RAPID_PASS_THROUGH = RuleSpec(
    id="rapid_pass_through",
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
        _float("min_amount", 100_000, 1, 1e12, "currency", "Smallest incoming payment considered."),
        _float("min_pass_share", 0.8, 0.1, 1.0, "fraction", "Share of the inflow sent onward."),
        _float(
            "max_pass_share",
            1.0,
            1.0,
            100.0,
            "fraction",
            "At most this share of the inflow leaves within the window (more is other money).",
        ),
        _int(
            "max_onward_payments",
            3,
            1,
            1000,
            "payments",
            "Onward payments within the window; many small ones are spending, not passing on.",
        ),
        _channels(
            "out_channels",
            ["wallet", "ibft", "wire", "remittance", "crypto", "cash_out"],
            "Channels of onward payments (spending at merchants and bills is not passing on).",
        ),
        _int("max_hours", 24, 1, 24 * 14, "hours", "Onward payments must follow within this."),
        _party_types(
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
    builder=_pass_through,
    explain=_pass_through_text,
    score=lambda m, p: _clip(
        0.5
        + 0.5 * min(1.0, float(m["forwarded"]) / max(float(m["amount"]), 1e-9))
        - 0.1 * (m["through_s"] > p["max_hours"] * HOUR / 2)
    ),
    lookback=lambda p: dt.timedelta(hours=2 * p["max_hours"]),
)


# -- 5. fan-out -----------------------------------------------------------------------


def _fan_out(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    r = t.filter(
        is_in(t.channel, p["channels"]),
        t.amt >= p["min_payment"],
        not_in(t.purpose, p["exclude_purposes"]),
        not_in(t.debtor_party_type, p["exclude_party_types"]),
        not_in(t.debtor_account_type, p["exclude_party_types"]),
        t.creditor_account.notnull(),
    ).mutate(acct=t.debtor_account, who=t.creditor_account)
    w = p["window_hours"] * HOUR
    anchors = anchors_by_distinct(r, KEYS, "who", w, p["min_recipients"])
    rows = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows), recipients=rows.who.nunique(), payments=rows.count()
    )
    g = with_prior_count(g, r, KEYS, p["baseline_days"] * DAY)
    usual = g.prior * (w / (p["baseline_days"] * DAY))
    g = g.filter(
        g.amount.cast("float64") >= p["min_total"], g.payments >= usual * p["burst_factor"]
    )
    return _finish(g, recipients=None, payments=None, prior=None)


def _fan_out_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} paid {tx.money(m['amount'], c)} to "
        f"{tx.count(m['recipients'], 'different account')} in {tx.count(m['payments'], 'payment')} "
        f"within {tx.duration(m['span_s'])}."
    )


FAN_OUT = RuleSpec(
    id="fan_out",
    typology="fan_out_mules",
    title="Fan-out to many recipients",
    description=(
        "One account pays at least `min_recipients` distinct accounts within `window_hours`, "
        "for at least `min_total` in all. Salaries, merchants and agents are excluded by default."
    ),
    why=(
        "Distributing a lump sum over many wallets (often mules who then withdraw cash) moves "
        "money to operatives and their families in amounts that each look ordinary."
    ),
    severity="medium",
    params=(
        _int(
            "min_recipients", 8, 2, 10_000, "accounts", "Distinct recipients needed in the window."
        ),
        _int("window_hours", 48, 1, 24 * 31, "hours", "Length of the sliding window."),
        _float("min_payment", 1_000, 0, 1e12, "currency", "Smallest payment that counts."),
        _float(
            "min_total", 200_000, 0, 1e13, "currency", "Smallest total paid out in the episode."
        ),
        _int("baseline_days", 14, 1, 365, "days", "Own history the burst is compared with."),
        _float(
            "burst_factor",
            6,
            0,
            1000,
            "times",
            "Payments in the window must be this many times the account's usual number for a "
            "window of that length (0 turns the comparison off).",
        ),
        _channels(
            "channels", ["wallet", "ibft", "wire", "remittance", "crypto"], "Channels that count."
        ),
        _list("exclude_purposes", ["salary"], None, "Purpose codes that do not count (payroll)."),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Payers of these party or account types are not considered (NPO payouts have "
            "their own rule).",
        ),
    ),
    false_positives="Families sharing remittances, small employers paying casual workers.",
    sources=("FATF Financing of Recruitment 2018", "FFIEC BSA/AML Manual App. F"),
    builder=_fan_out,
    explain=_fan_out_text,
    score=lambda m, p: _ratio_score(m["recipients"], p["min_recipients"]),
    lookback=lambda p: dt.timedelta(hours=p["window_hours"], days=p["baseline_days"]),
)


# -- 6. velocity spike ----------------------------------------------------------------


def _velocity(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    out = t.filter(
        not_in(t.channel, p["exclude_channels"]),
        not_in(t.debtor_party_type, p["exclude_party_types"]),
        not_in(t.debtor_account_type, p["exclude_party_types"]),
    ).mutate(acct=t.debtor_account, who=t.creditor_account, day=(t.ts_s // DAY).cast("int64"))
    daily = out.group_by([*KEYS, "day"]).aggregate(d_total=out.amount.sum(), d_n=out.count())
    bd = p["baseline_days"]
    w = ibis.range_window(preceding=bd, following=0, group_by=KEYS, order_by="day")
    daily = daily.mutate(_prev=(daily.d_total.sum().over(w) - daily.d_total).cast("float64"))
    seen = (
        t.select(acct=t.debtor_account, ts_s=t.ts_s)
        .union(t.select(acct=t.creditor_account, ts_s=t.ts_s))
        .group_by("acct")
        .aggregate(first_day=lambda s: (s.ts_s.min() // DAY).cast("int64"))
    )
    seen = seen.select(_a=seen.acct, first_day=seen.first_day)
    d = daily.join(seen, daily.acct == seen._a)
    mean = d._prev / bd
    spikes = d.filter(
        d.day - d.first_day >= bd,
        d.d_total.cast("float64") >= p["min_amount"],
        d.d_total.cast("float64") > mean * p["factor"],
        d.d_n >= p["min_payments"],
    ).select(_k=d.acct, _c=d.currency, _d=d.day, baseline=mean)
    j = out.join(spikes, [out.acct == spikes._k, out.currency == spikes._c, out.day == spikes._d])
    g = j.group_by([*KEYS, "day", "baseline"]).aggregate(
        **base_aggregates(j), payments=j.count(), recipients=j.who.nunique()
    )
    return _finish(g, payments=None, recipients=None, baseline=None)


def _velocity_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    base = float(m["baseline"])
    if base > 0:
        ratio = f"{tx.times(float(m['amount']) / base)} its average daily outflow of {tx.money(base, c)}"
    else:
        ratio = "after no outgoing payments at all"
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} sent {tx.money(m['amount'], c)} in "
        f"{tx.count(m['payments'], 'payment')} to {tx.count(m['recipients'], 'account')} on "
        f"{tx.day(m['window_start'])}, {ratio} over the previous {p['baseline_days']} days."
    )


VELOCITY_SPIKE = RuleSpec(
    id="velocity_spike",
    typology="velocity_spike",
    title="Velocity spike against the account's own baseline",
    description=(
        "An account's outgoing total on one day is at least `min_amount` and more than "
        "`factor` times its own mean daily outflow over the previous `baseline_days` days "
        "(accounts seen for less than `baseline_days` are not judged)."
    ),
    why=(
        "A sudden burst out of an account that was quiet (a returning traveller's account, a "
        "collection wallet being emptied, a mule activated) is a change of behaviour that no "
        "fixed threshold sees; comparing an account with itself does."
    ),
    severity="medium",
    params=(
        _float(
            "factor", 10, 1.5, 1000, "times", "How many times the baseline mean counts as a spike."
        ),
        _int("baseline_days", 14, 3, 365, "days", "Days of own history the baseline averages."),
        _float("min_amount", 500_000, 0, 1e13, "currency", "Smallest daily outflow considered."),
        _int("min_payments", 3, 1, 10_000, "payments", "Outgoing payments needed on the day."),
        _channels(
            "exclude_channels",
            ["bill", "merchant", "card", "cash_in"],
            "Channels left out of outflows (cash_in is the agent's side of a deposit).",
        ),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "business"],
            "Payers of these party or account types are not considered.",
        ),
    ),
    false_positives="Rent, school fees, a car or property purchase, Eid spending.",
    sources=(
        "FATF Virtual Assets red flags 2020 (bursts within 24 h)",
        "FINTRAC TF Assessment 2018",
    ),
    builder=_velocity,
    explain=_velocity_text,
    score=lambda m, p: _clip(
        1.0
        if float(m["baseline"]) <= 0
        else 0.5
        + 0.5 * (float(m["amount"]) / float(m["baseline"]) - p["factor"]) / (3 * p["factor"])
    ),
    lookback=lambda p: dt.timedelta(days=p["baseline_days"] + 1),
)


# -- 7. dormant account reactivation ------------------------------------------------


def _dormant(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    ev = t.select(acct=t.debtor_account, ts_s=t.ts_s).union(
        t.select(acct=t.creditor_account, ts_s=t.ts_s), distinct=False
    )
    ev = ev.filter(ev.acct.notnull())
    prev = ev.ts_s.lag().over(group_by="acct", order_by="ts_s")
    ev = ev.mutate(prev_ts=prev)
    react = ev.filter(
        ev.prev_ts.notnull(), ev.ts_s - ev.prev_ts >= p["dormancy_days"] * DAY
    ).select(_k=ev.acct, r_ts=ev.ts_s, prev_ts=ev.prev_ts)
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
    return _finish(
        g,
        inflows=None,
        senders=None,
        out_amount=None,
        dormant_days=((g.r_ts - g.prev_ts) // DAY).cast("int64"),
        in_span_s=g.in_last - g.r_ts,
    )


def _dormant_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    out = float(m["out_amount"] or 0)
    share = out / float(m["amount"]) if float(m["amount"]) else 0.0
    tail = (
        f"; {tx.pct(share)} of it ({tx.money(out, c)}) left within {p['cashout_hours']} h"
        if out > 0
        else ""
    )
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} was silent for {m['dormant_days']:,} days, "
        f"then received {tx.money(m['amount'], c)} in {tx.count(m['inflows'], 'payment')} from "
        f"{tx.count(m['senders'], 'sender')} within {tx.duration(m['in_span_s'])}{tail}."
    )


DORMANT_REACTIVATION = RuleSpec(
    id="dormant_reactivation",
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
        _int("dormancy_days", 180, 30, 3650, "days", "Silence that makes an account dormant."),
        _int("window_hours", 72, 1, 24 * 31, "hours", "Inflows counted within this after waking."),
        _int("min_inflows", 2, 1, 1000, "payments", "Incoming payments needed in the window."),
        _float("min_amount", 50_000, 0, 1e13, "currency", "Incoming total needed in the window."),
        _int(
            "cashout_hours",
            48,
            0,
            24 * 14,
            "hours",
            "Outflows reported up to this after the window.",
        ),
    ),
    false_positives="Returning migrants, students back from abroad, reactivated salary accounts.",
    sources=("FINTRAC Terrorist Financing Assessment 2018", "FATF Virtual Assets red flags 2020"),
    builder=_dormant,
    explain=_dormant_text,
    score=lambda m, p: _ratio_score(m["dormant_days"], p["dormancy_days"]),
    lookback=lambda p: None,
)


# -- 8. repeated round amounts -------------------------------------------------------


def _round(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    unit = float(p["round_unit"])
    r = t.filter(
        is_in(t.channel, p["channels"]),
        t.amt >= p["min_amount"],
        (t.amt % unit) == 0,
        not_in(t.purpose, p["exclude_purposes"]),
        not_in(t.debtor_party_type, p["exclude_party_types"]),
        not_in(t.debtor_account_type, p["exclude_party_types"]),
    ).mutate(acct=t.debtor_account, who=t.creditor_account)
    w = p["window_days"] * DAY
    anchors = anchors_by_distinct(r, KEYS, "who", w, p["min_payments"])
    rows = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        payments=rows.count(),
        recipients=rows.who.nunique(),
        smallest=rows.amount.min(),
        largest=rows.amount.max(),
    )
    return _finish(g, payments=None, recipients=None, smallest=None, largest=None)


def _round_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} made {tx.count(m['payments'], 'payment')} "
        f"of round amounts (multiples of {tx.money(p['round_unit'], c)}, from "
        f"{tx.money(m['smallest'], None)} to {tx.money(m['largest'], c)}) to "
        f"{tx.count(m['recipients'], 'account')} within {tx.duration(m['span_s'])}, "
        f"{tx.money(m['amount'], c)} in total."
    )


ROUND_AMOUNTS = RuleSpec(
    id="round_amounts",
    typology="round_amounts",
    title="Repeated round amounts",
    description=(
        "One account pays round amounts (multiples of `round_unit`, at least `min_amount`) to "
        "at least `min_payments` distinct accounts within `window_days`."
    ),
    why=(
        "Stipends to fighters' families, recruits' allowances and payments for a cell's "
        "upkeep are fixed sums paid again and again; real commerce rarely comes in round "
        "numbers to many different people."
    ),
    severity="low",
    params=(
        _float(
            "round_unit", 5_000, 1, 1e9, "currency", "Amounts that are multiples of this are round."
        ),
        _float("min_amount", 20_000, 0, 1e12, "currency", "Smallest payment considered."),
        _int(
            "min_payments",
            5,
            2,
            1000,
            "accounts",
            "Distinct recipients of round payments in the window.",
        ),
        _int("window_days", 7, 1, 90, "days", "Length of the sliding window."),
        _channels(
            "channels", ["wallet", "ibft", "wire", "remittance", "crypto"], "Channels that count."
        ),
        _list(
            "exclude_purposes",
            ["salary", "vendor", "b2b", "settlement"],
            None,
            "Purpose codes that do not count.",
        ),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "business"],
            "Payers of these party or account types are not considered.",
        ),
    ),
    false_positives="Landlords' and committees' collections, families splitting a remittance.",
    sources=("FATF Financing of Recruitment 2018 (regular payments to families)",),
    builder=_round,
    explain=_round_text,
    score=lambda m, p: _ratio_score(m["recipients"], p["min_payments"]),
    lookback=_days("window_days"),
)


# -- 9. high-risk geography ---------------------------------------------------------


def _geo(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    r = t.filter(
        _hr_area(t, "creditor", p),
        ~_hr_area(t, "debtor", p),
        t.amt >= p["min_payment"],
        t.debtor_account.notnull(),
        is_in(t.creditor_country, p["high_risk_countries"])
        | (
            not_in(t.creditor_party_type, p["exclude_party_types"])
            & not_in(t.creditor_account_type, p["exclude_party_types"])
        ),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)
    w = p["window_days"] * DAY
    least = min(p["min_senders"], p["min_senders_region"])
    anchors = anchors_by_distinct(r, KEYS, "who", w, least)
    rows = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    foreign = is_in(rows.creditor_country, p["high_risk_countries"])
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        senders=rows.who.nunique(),
        payments=rows.count(),
        country=rows.creditor_country.max(),
        region=rows.creditor_region.max(),
        hr_country=foreign.cast("int64").max(),
    )
    need = ibis.ifelse(g.hr_country == 1, p["min_senders"], p["min_senders_region"])
    g = g.filter(g.amount.cast("float64") >= p["min_total"], g.senders >= need)
    g = with_prior_count(g, r, KEYS, p["baseline_days"] * DAY)
    g = g.filter(g.payments >= g.prior * (w / (p["baseline_days"] * DAY)) * p["burst_factor"])
    return _finish(g, senders=None, payments=None, country=None, region=None, prior=None)


def _geo_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    where = ", ".join(x for x in (m.get("region"), m.get("country")) if x) or "a high-risk area"
    return (
        f"{tx.count(m['senders'], 'sender')} paid {tx.money(m['amount'], c)} in "
        f"{tx.count(m['payments'], 'payment')} to {m['subject']} in {where} (high-risk) within "
        f"{tx.duration(m['span_s'])}."
    )


HIGH_RISK_GEOGRAPHY = RuleSpec(
    id="high_risk_geography",
    typology="high_risk_remittance",
    title="Many senders to one account in a high-risk country or region",
    description=(
        "At least `min_senders` distinct accounts outside the high-risk areas pay one account "
        "located in a high-risk country (`high_risk_countries`) or region (`high_risk_regions`) "
        "within `window_days`, for at least `min_total` in all."
    ),
    why=(
        "Money for fighters and their families is pooled from many supporters and sent to a "
        "few receivers in or next to conflict zones, often through transit hubs; a single "
        "remittance there is ordinary, a collection converging on one receiver is not."
    ),
    severity="high",
    params=(
        _int(
            "min_senders",
            6,
            1,
            10_000,
            "accounts",
            "Distinct senders needed when the receiver is in a high-risk country.",
        ),
        _int(
            "min_senders_region",
            15,
            1,
            10_000,
            "accounts",
            "Distinct senders needed when the receiver is in a high-risk region of a country "
            "that is not itself high-risk (border districts: many ordinary residents).",
        ),
        _int("window_days", 7, 1, 90, "days", "Length of the sliding window."),
        _float("min_payment", 1_000, 0, 1e12, "currency", "Smallest payment that counts."),
        _float("min_total", 50_000, 0, 1e13, "currency", "Smallest total in the episode."),
        _int("baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."),
        _float(
            "burst_factor",
            3,
            0,
            1000,
            "times",
            "Payments in the window must be this many times the receiver's usual number for a "
            "window of that length (0 turns the comparison off).",
        ),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Receivers of these types in high-risk regions are not considered (in a high-risk "
            "country every receiver is).",
        ),
    ),
    settings=("high_risk_countries", "high_risk_regions"),
    false_positives="Diaspora families supporting relatives; border-district traders.",
    sources=("AUSTRAC 2014 (conduit countries)", "FINTRAC OA 2022", "FFIEC App. F"),
    builder=_geo,
    explain=_geo_text,
    score=lambda m, p: _ratio_score(m["senders"], p["min_senders"]),
    lookback=_days("window_days"),
)


# -- 10. short cycles ----------------------------------------------------------------


def _edges(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    return t.filter(
        t.amt >= p["min_amount"],
        t.debtor_account.notnull(),
        t.creditor_account.notnull(),
        t.debtor_account != t.creditor_account,
        not_in(t.debtor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.debtor_account_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
    ).select(
        "txn_id", "ts", "ts_s", "amt", "amount", "currency", "debtor_account", "creditor_account"
    )


def _cycles(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """Time-ordered cycles, each enumerated once from its first payment.

    A path grows one payment at a time; the next payment must leave the path's last account
    after the previous one, within `max_hop_hours`, for between (1 - `max_fee`) and 1 times
    the previous amount, and inside `window_days` of the first. These bands keep the set of
    partial paths small even at hub accounts (no open triple self-join), and since a cycle
    is only ever started at its earliest payment it is found exactly once.
    """
    e = _edges(inp, p)
    hop = p["max_hop_hours"] * HOUR
    span = p["window_days"] * DAY
    keep = 1 - p["max_fee"]
    path = e.select(
        n0=e.debtor_account,
        n1=e.creditor_account,
        currency=e.currency,
        t1=e.ts_s,
        ts1=e.ts,
        a1=e.amt,
        v1=e.amount,
        x1=e.txn_id,
    )
    found: list[ir.Table] = []
    for k in range(2, p["max_hops"] + 1):
        nxt = e.select(
            _s=e.debtor_account,
            _d=e.creditor_account,
            _c=e.currency,
            _t=e.ts_s,
            _ts=e.ts,
            _a=e.amt,
            _v=e.amount,
            _x=e.txn_id,
        )
        prev_t, prev_a = path[f"t{k - 1}"], path[f"a{k - 1}"]
        j = path.join(
            nxt,
            [
                path[f"n{k - 1}"] == nxt._s,
                path.currency == nxt._c,
                nxt._t > prev_t,
                nxt._t <= prev_t + hop,
                nxt._t <= path.t1 + span,
                nxt._a >= prev_a * keep,
                nxt._a <= prev_a,
            ],
        )
        j = j.rename({f"t{k}": "_t", f"ts{k}": "_ts", f"a{k}": "_a", f"v{k}": "_v", f"x{k}": "_x"})
        closed = j.filter(j._d == j.n0)
        nodes = [closed[f"n{i}"] for i in range(k)]
        found.append(
            closed.select(
                subject_id=closed.n0,
                window_start=closed.ts1,
                window_end=closed[f"ts{k}"],
                txn_ids=ibis.array([closed[f"x{i}"] for i in range(1, k + 1)]),
                amount=closed.v1,
                currency=closed.currency,
                hops=ibis.literal(k, "int64"),
                returned=closed[f"v{k}"],
                members=ibis.array(nodes),
                span_h=((closed[f"t{k}"] - closed.t1) / 3600).cast("float64"),
            )
        )
        if k < p["max_hops"]:
            open_ = j.filter(*[j._d != j[f"n{i}"] for i in range(k)])
            path = open_.rename({f"n{k}": "_d"}).drop("_s", "_c")
    result = found[0]
    for f in found[1:]:
        result = result.union(f, distinct=False)
    return result


def _cycle_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    route = " -> ".join([*m["members"], m["members"][0]])
    kept = 1 - float(m["returned"]) / float(m["amount"]) if float(m["amount"]) else 0.0
    return (
        f"{tx.money(m['amount'], c)} left {m['subject']} and came back as "
        f"{tx.money(m['returned'], c)} ({tx.pct(kept)} kept on the way) after "
        f"{m['hops']} hops within {tx.duration(m['span_s'])}: {route}."
    )


SHORT_CYCLES = RuleSpec(
    id="short_cycles",
    typology="cycle",
    title="Short cycles",
    description=(
        "Money that goes round 2 to `max_hops` accounts and returns to where it started: each "
        "payment at least `min_amount`, leaving the previous receiver within `max_hop_hours` "
        "for between (1 - `max_fee`) and 1 times the previous amount, all within `window_days`."
    ),
    why=(
        "Round-tripping creates a paper trail of turnover that hides the origin of funds and "
        "makes accounts look busy and legitimate before they are used to move money for a cell."
    ),
    severity="high",
    params=(
        _int(
            "max_hops",
            5,
            2,
            6,
            "hops",
            "Longest cycle searched (the pack's typology spec says 2-4; 5 covers synth's longest).",
        ),
        _float("min_amount", 50_000, 1, 1e12, "currency", "Smallest payment on the cycle."),
        _int(
            "max_hop_hours", 48, 1, 24 * 14, "hours", "Longest wait between consecutive payments."
        ),
        _int("window_days", 7, 1, 60, "days", "First to last payment."),
        _float("max_fee", 0.05, 0, 0.5, "fraction", "Largest share an account keeps on the way."),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "business"],
            "Accounts of these party or account types are not used as cycle members (firms "
            "trade back and forth).",
        ),
    ),
    false_positives="Friends settling shared expenses, a loan repaid through a relative.",
    sources=("FATF/Egmont TBML 2020 (round-tripping)", "FFIEC App. F"),
    builder=_cycles,
    explain=_cycle_text,
    score=lambda m, p: _clip(0.6 + 0.1 * (m["hops"] - 1)),
    lookback=_days("window_days"),
)


# -- 11. NPO paying individuals in high-risk areas --------------------------------------


def _npo(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    r = t.filter(
        (t.debtor_party_type == "npo") | (t.debtor_account_type == "npo"),
        (t.creditor_party_type == "individual")
        | (t.creditor_party_type.isnull() & (t.creditor_party_kind == "person")),
        _hr_area(t, "creditor", p),
        t.amt >= p["min_payment"],
    ).mutate(acct=t.debtor_account, who=t.creditor_account)
    w = p["window_days"] * DAY
    anchors = anchors_by_distinct(r, KEYS, "who", w, p["min_beneficiaries"])
    rows = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        beneficiaries=rows.who.nunique(),
        payments=rows.count(),
        areas=rows.creditor_region.nunique(),
        area=rows.creditor_region.max(),
    )
    return _finish(g, beneficiaries=None, payments=None, areas=None, area=None)


def _npo_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    where = m.get("area") or "high-risk areas"
    if m["areas"] and m["areas"] > 1:
        where = f"{m['areas']} high-risk areas including {where}"
    return (
        f"Non-profit {m['subject']} paid {tx.money(m['amount'], c)} to "
        f"{tx.count(m['beneficiaries'], 'individual')} in {where} in "
        f"{tx.count(m['payments'], 'payment')} within {tx.duration(m['span_s'])}."
    )


NPO_HIGH_RISK_PAYMENTS = RuleSpec(
    id="npo_high_risk_payments",
    typology="charity_diversion",
    title="Non-profit paying individuals in high-risk regions",
    description=(
        "An NPO account (party type or account type `npo`) pays at least "
        "`min_beneficiaries` distinct individuals located in a high-risk country or region "
        "within `window_days`, each payment at least `min_payment`."
    ),
    why=(
        "Charities are diverted by paying 'relief' or 'stipends' to individuals in areas where "
        "terrorist groups operate instead of buying programme goods from vendors; FATF's NPO "
        "typologies and SBP's NPO account rules single this out."
    ),
    severity="high",
    params=(
        _int(
            "min_beneficiaries",
            4,
            1,
            10_000,
            "individuals",
            "Distinct individuals paid in the window.",
        ),
        _int("window_days", 10, 1, 90, "days", "Length of the sliding window."),
        _float("min_payment", 5_000, 0, 1e12, "currency", "Smallest payment that counts."),
    ),
    settings=("high_risk_countries", "high_risk_regions"),
    false_positives="Genuine cash-assistance programmes in border districts (check the NPO's stated mission).",
    sources=("FATF Risk of Terrorist Abuse in NPOs 2014", "SBP AML/CFT/CPF Regulations, Reg. 6"),
    builder=_npo,
    explain=_npo_text,
    score=lambda m, p: _ratio_score(m["beneficiaries"], p["min_beneficiaries"]),
    lookback=_days("window_days"),
)


# -- 12. transactions with a party screening flagged ---------------------------------


def _screened(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    s = inp.screening
    if s is None:  # nothing flagged yet: an empty result of the right shape
        s = inp.parties.filter(ibis.literal(False)).select(
            subject_type=ibis.literal("party"),
            subject_id=inp.parties.party_id,
            entity_id=inp.parties.party_id,
            score=ibis.literal(0.0),
            severity=ibis.literal("critical"),
        )
    s = s.filter(s.score >= p["min_match_score"])
    rank = ibis.cases(
        *((s.severity == v, i) for i, v in enumerate(SEVERITIES)), else_=len(SEVERITIES) - 1
    )
    flags = s.group_by(["subject_type", "subject_id"]).aggregate(
        entity_id=s.entity_id.min(), match=s.score.max(), flag_rank=rank.max()
    )
    parts: list[ir.Table] = []
    for side in ("debtor", "creditor"):
        for kind, col in (("party", f"{side}_id"), ("account", f"{side}_account")):
            f = flags.filter(flags.subject_type == kind)
            j = t.join(f, t[col] == f.subject_id)
            parts.append(
                j.select(
                    "txn_id",
                    "ts",
                    "ts_s",
                    "amount",
                    "currency",
                    acct=j[f"{side}_account"],
                    who=j[f"{'creditor' if side == 'debtor' else 'debtor'}_account"],
                    entity_id=j.entity_id,
                    match=j.match,
                    flag_rank=j.flag_rank,
                )
            )
    f = flags.filter(flags.subject_type == "transaction")
    j = t.join(f, t.txn_id == f.subject_id)
    parts.append(
        j.select(
            "txn_id",
            "ts",
            "ts_s",
            "amount",
            "currency",
            acct=j.debtor_account,
            who=j.creditor_account,
            entity_id=j.entity_id,
            match=j.match,
            flag_rank=j.flag_rank,
        )
    )
    rows = parts[0]
    for part in parts[1:]:
        rows = rows.union(part, distinct=False)
    rows = rows.filter(rows.acct.notnull())
    bucket = p["window_days"] * DAY
    rows = rows.mutate(bucket=(rows.ts_s // bucket).cast("int64"))
    g = rows.group_by([*KEYS, "bucket"]).aggregate(
        window_start=rows.ts.min(),
        window_end=rows.ts.max(),
        txn_ids=rows.txn_id.collect(distinct=True),
        amount=rows.amount.sum(),
        payments=rows.txn_id.nunique(),
        counterparties=rows.who.nunique(),
        entity=rows.entity_id.min(),
        match=rows.match.max(),
        flag_rank=rows.flag_rank.max(),
    )
    return _finish(g, payments=None, counterparties=None, entity=None, match=None, flag_rank=None)


def _screened_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]}, which screening matched to list entry "
        f"{m['entity']} (score {float(m['match']):.2f}), made or received "
        f"{tx.count(m['payments'], 'payment')} totalling {tx.money(m['amount'], c)} with "
        f"{tx.count(m['counterparties'], 'counterparty', 'counterparties')} between "
        f"{tx.day(m['window_start'])} and {tx.day(m['window_end'])}."
    )


SCREENED_PARTY = RuleSpec(
    id="screened_party_transaction",
    typology="listed_party_payment",
    title="Transactions with a party that screening flagged",
    description=(
        "Every payment to or from a party, account or transaction that sanctions screening "
        "flagged (alerts with `source = 'screening'` and a score of at least "
        "`min_match_score`), grouped per flagged account into `window_days` periods. An "
        "alert is rated no higher than the strongest screening alert behind it (a narrative "
        "hit rated high stays high). Does nothing until screening has run."
    ),
    why=(
        "Dealing with a designated person or entity, or their front charity, is the plainest "
        "terrorist-financing exposure there is: funds must be frozen without delay and the "
        "FIU told (UNSC 1267/1373, SBP's TFS duties)."
    ),
    severity="critical",
    params=(
        _float("min_match_score", 0.85, 0, 1, "score", "Weakest screening match that counts."),
        _int(
            "window_days", 30, 1, 366, "days", "Payments are grouped into periods of this length."
        ),
    ),
    false_positives="Namesakes: check the screening alert's evidence first.",
    sources=("UNSC 1267/1373", "SBP BPRD Circular 3/2015 (TFS)"),
    builder=_screened,
    explain=_screened_text,
    score=lambda m, p: _clip(float(m["match"])),
    severity_cap=lambda m, p: SEVERITIES[int(m["flag_rank"])],
    lookback=lambda p: dt.timedelta(0),
)


# -- 13. scatter-gather -----------------------------------------------------------------


def _scatter_gather(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    e = _edges(inp, p)
    w = p["window_days"] * DAY
    a = e.select(
        src=e.debtor_account,
        mid=e.creditor_account,
        currency=e.currency,
        t1=e.ts_s,
        ts1=e.ts,
        a1=e.amt,
        v1=e.amount,
        x1=e.txn_id,
    )
    b = e.select(
        _m=e.debtor_account,
        dst=e.creditor_account,
        _c=e.currency,
        t2=e.ts_s,
        ts2=e.ts,
        a2=e.amt,
        v2=e.amount,
        x2=e.txn_id,
    )
    j = a.join(
        b,
        [
            a.mid == b._m,
            a.currency == b._c,
            b.t2 > a.t1,
            b.t2 <= a.t1 + w,
            b.a2 >= a.a1 * p["min_forward_share"],
            b.a2 <= a.a1,
            b.dst != a.src,
        ],
    )
    j = j.mutate(pair=j.src.concat("|", j.dst))
    anchors = anchors_by_distinct(
        j.mutate(txn_id=j.x1, ts_s=j.t1), ["pair", "currency"], "mid", w, p["min_intermediaries"]
    )
    eps = episodes(anchors, ["pair", "currency"], w)
    rows = rows_in_episodes(eps, j.mutate(ts_s=j.t1), ["pair", "currency"])
    legs = (
        rows.select(
            "pair",
            "currency",
            "ep_start",
            "src",
            "dst",
            "mid",
            x=rows.x1,
            ts=rows.ts1,
            v=rows.v1,
            leg=ibis.literal(1),
        )
        .union(
            rows.select(
                "pair",
                "currency",
                "ep_start",
                "src",
                "dst",
                "mid",
                x=rows.x2,
                ts=rows.ts2,
                v=rows.v2,
                leg=ibis.literal(2),
            )
        )
        .distinct()
    )
    out = legs.leg == 1
    g = legs.group_by(["pair", "currency", "ep_start", "src", "dst"]).aggregate(
        window_start=legs.ts.min(),
        window_end=legs.ts.max(),
        txn_ids=legs.x.collect(),
        amount=legs.v.sum(where=out),
        gathered=legs.v.sum(where=~out),
        intermediaries=legs.mid.nunique(),
    )
    return _finish(g, subject="src", sink=g.dst, gathered=None, intermediaries=None)


def _scatter_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} split {tx.money(m['amount'], c)} across "
        f"{tx.count(m['intermediaries'], 'intermediary account', 'intermediary accounts')}, which "
        f"passed {tx.money(m['gathered'], c)} on to the same account {m['sink']} within "
        f"{tx.duration(m['span_s'])}."
    )


SCATTER_GATHER = RuleSpec(
    id="scatter_gather",
    typology="scatter_gather",
    title="Scatter-gather through intermediaries",
    description=(
        "One account pays at least `min_intermediaries` distinct accounts, each of which pays "
        "at least `min_forward_share` of what it got (and no more) to one and the same other "
        "account within `window_days`; payments of at least `min_amount`."
    ),
    why=(
        "Splitting a transfer across several people who each pass it on to the real receiver "
        "hides the link between financier and recipient behind ordinary-looking payments."
    ),
    severity="high",
    params=(
        _int("min_intermediaries", 4, 2, 1000, "accounts", "Distinct intermediaries needed."),
        _int("window_days", 5, 1, 60, "days", "From a split payment to its onward payment."),
        _float("min_amount", 10_000, 1, 1e12, "currency", "Smallest payment considered."),
        _float("min_forward_share", 0.8, 0.1, 1.0, "fraction", "Share each intermediary forwards."),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Accounts of these party or account types are not considered (trade and "
            "programme payments between organisations have other explanations).",
        ),
    ),
    false_positives="Family pooling (siblings each passing a parent's gift to one relative).",
    sources=("FATF/Egmont TBML 2020", "FFIEC App. F"),
    builder=_scatter_gather,
    explain=_scatter_text,
    score=lambda m, p: _ratio_score(m["intermediaries"], p["min_intermediaries"]),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"]),
)


# -- 14. gather-scatter --------------------------------------------------------------


def _gather_scatter(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    t = inp.txns
    r = t.filter(
        t.amt >= p["min_payment"],
        is_in(t.channel, p["channels"]),
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
        t.debtor_account.notnull(),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)
    w = p["window_days"] * DAY
    anchors = anchors_by_distinct(r, KEYS, "who", w, p["min_senders"])
    ins = rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)
    eps = ins.group_by([*KEYS, "ep_start"]).aggregate(
        in_first=ins.ts_s.min(), in_last=ins.ts_s.max()
    )
    o = t.filter(t.amt >= p["min_payment"], is_in(t.channel, p["channels"])).mutate(
        acct=t.debtor_account, who=t.creditor_account
    )
    e = eps.select(_k=eps.acct, _c=eps.currency, _s=eps.ep_start, _f=eps.in_first, _l=eps.in_last)
    j = o.join(e, [o.acct == e._k, o.currency == e._c, o.ts_s >= e._f, o.ts_s <= e._l + w])
    cols = ["txn_id", "ts", "ts_s", "amount", "acct", "currency", "who"]
    both = ins.select(*cols, "ep_start", dir=ibis.literal("in")).union(
        j.select(*cols, ep_start=j._s, dir=ibis.literal("out"))
    )
    is_out = both.dir == "out"
    g = both.group_by([*KEYS, "ep_start"]).aggregate(
        window_start=both.ts.min(),
        window_end=both.ts.max(),
        txn_ids=both.txn_id.collect(),
        amount=both.amount.sum(where=~is_out),
        paid_out=both.amount.sum(where=is_out),
        senders=both.who.nunique(where=~is_out),
        receivers=both.who.nunique(where=is_out),
        in_payments=both.txn_id.count(where=~is_out),
    )
    paid, got = g.paid_out.cast("float64"), g.amount.cast("float64")
    g = g.filter(
        g.receivers >= p["min_receivers"],
        paid >= got * p["min_forward_share"],
        paid <= got * p["max_forward_share"],
    )
    g = with_prior_count(g, r, KEYS, p["baseline_days"] * DAY)
    g = g.filter(g.in_payments >= g.prior * (w / (p["baseline_days"] * DAY)) * p["burst_factor"])
    return _finish(g, paid_out=None, senders=None, receivers=None, prior=None)


def _gather_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    share = float(m["paid_out"]) / float(m["amount"]) if float(m["amount"]) else 0.0
    return (
        f"{m['subject'][0].upper()}{m['subject'][1:]} collected {tx.money(m['amount'], c)} from "
        f"{tx.count(m['senders'], 'sender')} and paid {tx.pct(share)} of it "
        f"({tx.money(m['paid_out'], c)}) out to {tx.count(m['receivers'], 'other account')} "
        f"within {tx.duration(m['span_s'])}."
    )


GATHER_SCATTER = RuleSpec(
    id="gather_scatter",
    typology="gather_scatter",
    title="Gather-scatter hub",
    description=(
        "An account collects from at least `min_senders` distinct senders within `window_days` "
        "and, within `window_days` of the last collection, pays at least `min_forward_share` of "
        "the total out to at least `min_receivers` distinct accounts."
    ),
    why=(
        "A hub that pools many contributions and immediately redistributes them is the shape "
        "of a collection network financing several operatives or families at once."
    ),
    severity="high",
    params=(
        _int("min_senders", 6, 2, 10_000, "accounts", "Distinct senders needed in the window."),
        _int(
            "min_receivers", 6, 2, 10_000, "accounts", "Distinct receivers of the onward payments."
        ),
        _int(
            "window_days", 5, 1, 60, "days", "Collection window, and the time allowed to pay out."
        ),
        _float("min_payment", 5_000, 0, 1e12, "currency", "Smallest payment that counts."),
        _float("min_forward_share", 0.8, 0.1, 1.0, "fraction", "Share of the collection paid out."),
        _float(
            "max_forward_share",
            1.0,
            1.0,
            100.0,
            "fraction",
            "Paying out more than this share of the collection means other money is involved.",
        ),
        _int("baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."),
        _float(
            "burst_factor",
            4,
            0,
            1000,
            "times",
            "Incoming payments in the window must be this many times the account's usual "
            "number for a window of that length (0 turns the comparison off).",
        ),
        _channels(
            "channels", ["wallet", "ibft", "wire", "remittance", "crypto"], "Channels that count."
        ),
        _party_types(
            "exclude_party_types",
            ["merchant", "agent", "npo", "business"],
            "Hubs of these party or account types are not considered.",
        ),
    ),
    false_positives="Committee (ROSCA) organisers, event organisers paying vendors.",
    sources=("FFIEC App. F (funnel accounts)", "FINTRAC IMVE bulletin"),
    builder=_gather_scatter,
    explain=_gather_text,
    score=lambda m, p: _ratio_score(min(m["senders"], m["receivers"]), p["min_senders"]),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"] + p["baseline_days"]),
)


BUILTIN_RULES: tuple[RuleSpec, ...] = (
    STRUCTURING,
    CROWDFUNDING_FAN_IN,
    CASH_OUT_AFTER_FAN_IN,
    RAPID_PASS_THROUGH,
    FAN_OUT,
    VELOCITY_SPIKE,
    DORMANT_REACTIVATION,
    ROUND_AMOUNTS,
    HIGH_RISK_GEOGRAPHY,
    SHORT_CYCLES,
    NPO_HIGH_RISK_PAYMENTS,
    SCREENED_PARTY,
    SCATTER_GATHER,
    GATHER_SCATTER,
)
