"""Rule `structuring`: structuring just below the reporting threshold."""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    anchors_by_count,
    episodes,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    KEYS,
    alert_shape,
    base_aggregates,
    is_in,
    rows_in_episodes,
)
from cftwatch.monitoring.params import (
    MAX_DAYS,
    channels_param,
    days_lookback,
    float_param,
    int_param,
    money_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


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
    return alert_shape(g, deposits=None, smallest=None, largest=None, depositors=None)


def _structuring_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.count(m['deposits'], 'cash deposit')} of {tx.money(m['smallest'], None)} to "
        f"{tx.money(m['largest'], c)}, each just under the {tx.money(p['threshold'], c)} reporting "
        f"threshold, went into {m['subject']} within {tx.duration(m['span_s'])} "
        f"({tx.money(m['amount'], c)} in total, via {tx.count(m['depositors'], 'agent')})."
    )


RULE = RuleSpec(
    id="structuring",
    position=1,
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
        money_param("threshold", 2_000_000, 1, 1e12, "The reporting threshold.", floor=True),
        float_param(
            "lower_fraction",
            0.9,
            0.5,
            0.999,
            "fraction",
            "Deposits at or above this share of the threshold count.",
        ),
        int_param(
            "min_deposits", 3, 2, 100, "deposits", "Near-threshold deposits needed in the window."
        ),
        int_param("window_days", 7, 1, MAX_DAYS, "days", "Length of the sliding window."),
        channels_param("channels", ["cash_in"], "Channels that count as cash deposits."),
    ),
    false_positives="Shops and firms banking their takings, which sometimes come close to the threshold.",
    sources=("FFIEC BSA/AML Manual App. F", "FATF EoRMT 2021", "AML Act 2010 s.7 (CTR)"),
    builder=_structuring,
    explain=_structuring_text,
    score=lambda m, p: ratio_score(m["deposits"], p["min_deposits"]),
    lookback=days_lookback("window_days"),
)
