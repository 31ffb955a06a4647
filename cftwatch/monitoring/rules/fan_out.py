"""Rule `fan_out`: fan-out to many recipients."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    HOUR,
    anchors_by_distinct,
    episodes,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    base_aggregates,
    is_in,
    not_in,
    rows_in_episodes,
    with_prior_count,
)
from cftwatch.monitoring.params import (
    MAX_HOURS,
    channels_param,
    explore,
    float_param,
    int_param,
    list_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


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
    return alert_shape(g, recipients=None, payments=None, prior=None)


def _fan_out_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.capital(m['subject'])} paid {tx.money(m['amount'], c)} to "
        f"{tx.count(m['recipients'], 'different account')} in {tx.count(m['payments'], 'payment')} "
        f"within {tx.duration(m['span_s'])}."
    )


RULE = RuleSpec(
    id="fan_out",
    position=5,
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
        int_param(
            "min_recipients", 8, 2, 10_000, "accounts", "Distinct recipients needed in the window."
        ),
        int_param("window_hours", 48, 1, MAX_HOURS, "hours", "Length of the sliding window."),
        money_param("min_payment", 1_000, 0, 1e12, "Smallest payment that counts.", floor=True),
        money_param("min_total", 200_000, 0, 1e13, "Smallest total paid out in the episode."),
        int_param("baseline_days", 14, 1, 365, "days", "Own history the burst is compared with."),
        float_param(
            "burst_factor",
            6,
            0,
            1000,
            "times",
            "Payments in the window must be this many times the account's usual number for a "
            "window of that length (0 turns the comparison off).",
        ),
        channels_param(
            "channels", ["wallet", "bank_transfer", "remittance", "crypto"], "Channels that count."
        ),
        list_param(
            "exclude_purposes", ["salary"], None, "Purpose codes that do not count (payroll)."
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Payers of these party or account types are not considered (NPO payouts have "
            "their own rule).",
        ),
    ),
    false_positives="Families sharing remittances, small employers paying casual workers.",
    sources=("FATF Financing of Recruitment 2018", "FFIEC BSA/AML Manual App. F"),
    sensitivity=(explore("min_recipients", (40, 30, 20, 15, 12, 10, 8, 6, 5, 4, 3)),),
    builder=_fan_out,
    explain=_fan_out_text,
    score=lambda m, p: ratio_score(m["recipients"], p["min_recipients"]),
    lookback=lambda p: dt.timedelta(hours=p["window_hours"], days=p["baseline_days"]),
)
