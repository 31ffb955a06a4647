"""Rule `round_amounts`: repeated round amounts."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
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
)
from cftwatch.monitoring.params import (
    MAX_DAYS,
    channels_param,
    days_lookback,
    explore,
    int_param,
    list_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


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
    return alert_shape(g, payments=None, recipients=None, smallest=None, largest=None)


def _round_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.capital(m['subject'])} made {tx.count(m['payments'], 'payment')} "
        f"of round amounts (multiples of {tx.money(p['round_unit'], c)}, from "
        f"{tx.money(m['smallest'], None)} to {tx.money(m['largest'], c)}) to "
        f"{tx.count(m['recipients'], 'account')} within {tx.duration(m['span_s'])}, "
        f"{tx.money(m['amount'], c)} in total."
    )


RULE = RuleSpec(
    id="round_amounts",
    position=8,
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
        money_param("round_unit", 5_000, 1, 1e9, "Amounts that are multiples of this are round."),
        money_param("min_amount", 20_000, 0, 1e12, "Smallest payment considered.", floor=True),
        int_param(
            "min_payments",
            5,
            2,
            1000,
            "accounts",
            "Distinct recipients of round payments in the window.",
        ),
        int_param("window_days", 7, 1, MAX_DAYS, "days", "Length of the sliding window."),
        channels_param(
            "channels", ["wallet", "bank_transfer", "remittance", "crypto"], "Channels that count."
        ),
        list_param(
            "exclude_purposes",
            ["salary", "vendor", "b2b", "settlement"],
            None,
            "Purpose codes that do not count.",
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business"],
            "Payers of these party or account types are not considered.",
        ),
    ),
    false_positives="Landlords' and committees' collections, families splitting a remittance.",
    sources=("FATF Financing of Recruitment 2018 (regular payments to families)",),
    sensitivity=(explore("min_payments", (20, 12, 8, 5, 4, 3)),),
    builder=_round,
    explain=_round_text,
    score=lambda m, p: ratio_score(m["recipients"], p["min_payments"]),
    lookback=days_lookback("window_days"),
)
