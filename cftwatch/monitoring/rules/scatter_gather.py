"""Rule `scatter_gather`: scatter-gather through intermediaries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    alert_shape,
    payment_edges,
    same_time_may_follow,
)
from cftwatch.monitoring.params import (
    MAX_DAYS,
    explore,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.network.motifs import scatter_gather


def _scatter_gather(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    g = scatter_gather(
        payment_edges(inp, p),
        p["window_days"] * DAY,
        p["min_forward_share"],
        p["min_intermediaries"],
        same_ts=same_time_may_follow(inp, p),
    )
    return alert_shape(g, subject="src", sink=g.dst, gathered=None, intermediaries=None)


def _scatter_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.capital(m['subject'])} split {tx.money(m['amount'], c)} across "
        f"{tx.count(m['intermediaries'], 'intermediary account', 'intermediary accounts')}, which "
        f"passed {tx.money(m['gathered'], c)} on to the same account {m['sink']} within "
        f"{tx.duration(m['span_s'])}."
    )


RULE = RuleSpec(
    id="scatter_gather",
    position=13,
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
        int_param("min_intermediaries", 4, 2, 1000, "accounts", "Distinct intermediaries needed."),
        int_param(
            "window_days", 5, 1, MAX_DAYS, "days", "From a split payment to its onward payment."
        ),
        money_param("min_amount", 10_000, 1, 1e12, "Smallest payment considered.", floor=True),
        float_param(
            "min_forward_share", 0.8, 0.1, 1.0, "fraction", "Share each intermediary forwards."
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent", "business", "npo"],
            "Accounts of these party or account types are not considered (trade and "
            "programme payments between organisations have other explanations).",
        ),
    ),
    false_positives="Family pooling (siblings each passing a parent's gift to one relative).",
    sources=("FATF/Egmont TBML 2020", "FFIEC App. F"),
    sensitivity=(explore("min_intermediaries", (12, 8, 6, 5, 4, 3, 2)),),
    builder=_scatter_gather,
    explain=_scatter_text,
    score=lambda m, p: ratio_score(m["intermediaries"], p["min_intermediaries"]),
    settings=("same_day_legs",),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"]),
)
