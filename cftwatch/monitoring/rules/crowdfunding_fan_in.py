"""Rule `crowdfunding_fan_in`: crowdfunding fan-in into a personal account."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import DAY
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.baseline import baseline_params, keep_unusual
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    base_aggregates,
    fan_in_episode_rows,
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
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def one_off_senders(inp: RuleInput, most: int) -> RuleInput:
    """`inp` with only the payments of senders that paid the receiving account at most
    `most` times in the data (0: all payments): donors to an appeal pay once; a regular
    payer (a customer, an employer, a family member) pays again and again."""
    if most <= 0:
        return inp
    t = inp.txns
    pairs = t.group_by(["debtor_account", "creditor_account"]).aggregate(_pn=t.count())
    few = pairs.filter(pairs._pn <= most).select(_d=pairs.debtor_account, _c=pairs.creditor_account)
    kept = t.semi_join(few, [t.debtor_account == few._d, t.creditor_account == few._c])
    return dataclasses.replace(inp, txns=kept)


def _fan_in(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    rows = fan_in_episode_rows(one_off_senders(inp, p["max_sender_payments"]), p)
    g = rows.group_by([*KEYS, "ep_start"]).aggregate(
        **base_aggregates(rows),
        senders=rows.who.nunique(),
        payments=rows.count(),
        largest=rows.amount.max(),
    )
    if p["baseline_weeks"] > 0:
        g = keep_unusual(g, inp.txns, "creditor_account", "ep_start", 7 * DAY,
                         p["baseline_weeks"], p["baseline_min_z"])  # fmt: skip
    return alert_shape(g, senders=None, payments=None, largest=None)


def _fan_in_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.count(m['senders'], 'sender')} paid {tx.money(m['amount'], c)} in total into "
        f"{m['subject']} in {tx.count(m['payments'], 'small payment')} (none above "
        f"{tx.money(m['largest'], c)}) within {tx.duration(m['span_s'])}."
    )


_FAN_IN_PARAMS = (
    int_param("min_senders", 15, 2, 10_000, "accounts", "Distinct senders needed in the window."),
    int_param("window_hours", 72, 1, MAX_HOURS, "hours", "Length of the sliding window."),
    money_param("max_payment", 10_000, 1, 1e12, "Only payments up to this amount count."),
    channels_param(
        "channels", ["wallet", "bank_transfer", "crypto"], "Person-to-person channels that count."
    ),
    party_types_param(
        "exclude_party_types",
        ["npo", "merchant", "agent", "business"],
        "Receivers of these party or account types are expected to collect many payments.",
    ),
    int_param("baseline_days", 14, 1, 365, "days", "Own history the collection is compared with."),
    float_param(
        "burst_factor",
        3,
        0,
        1000,
        "times",
        "Payments in the window must be this many times the account's usual number for a "
        "window of that length (0 turns the comparison off).",
    ),
    int_param(
        "max_sender_payments",
        0,
        0,
        10_000,
        "payments",
        "Count only senders that paid the account at most this many times in the data (0: "
        "every sender): donors to an appeal pay once, regular payers again and again.",
    ),
    *baseline_params("number of payments received"),
)

RULE = RuleSpec(
    id="crowdfunding_fan_in",
    position=2,
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
    sensitivity=(explore("min_senders", (40, 30, 20, 15, 12, 10, 8, 6, 5, 4, 3)),),
    builder=_fan_in,
    explain=_fan_in_text,
    score=lambda m, p: ratio_score(m["senders"], p["min_senders"]),
    lookback=lambda p: dt.timedelta(
        hours=p["window_hours"], days=max(p["baseline_days"], 7 * p["baseline_weeks"] + 7)
    ),
)
