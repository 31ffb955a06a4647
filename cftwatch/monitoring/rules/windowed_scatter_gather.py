"""Rule `windowed_scatter_gather`: scatter-gather in any order within a window."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import DAY
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import alert_shape, payment_edges
from cftwatch.monitoring.params import COUNTS, explore, int_param, money_param, party_types_param
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.network.structure import windowed_scatter_gather


def _scatter_gather(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    g = windowed_scatter_gather(
        payment_edges(inp, p),
        p["window_days"] * DAY,
        p["min_intermediaries"],
        p["max_intermediary_degree"],
    )
    return alert_shape(g, subject="src", sink=g.dst, gathered=None, intermediaries=None)


def _text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    return (
        f"{tx.capital(m['subject'])} paid {tx.money(m['amount'], c)} to "
        f"{tx.count(m['intermediaries'], 'account')} which each paid the same account "
        f"{m['sink']} ({tx.money(m['gathered'], c)} in all) within {tx.duration(m['span_s'])}."
    )


RULE = RuleSpec(
    id="windowed_scatter_gather",
    position=16,
    typology="scatter_gather",
    title="Scatter-gather in any order within a window",
    description=(
        "One account pays at least `min_intermediaries` distinct accounts that each also pay "
        "one and the same other account, the two legs within `window_days` of each other in "
        "either order, payments of at least `min_amount`. Intermediaries with more than "
        "`max_intermediary_degree` distinct counterparties are hubs, not relays."
    ),
    why=(
        "A layer of go-betweens between one payer and one receiver hides the link between "
        "them; when the relays pay the receiver from their own balance before they are "
        "reimbursed, only the shape and the timing give the scheme away."
    ),
    severity="medium",
    params=(
        int_param("min_intermediaries", 5, 2, 1000, "accounts", "Distinct intermediaries needed."),
        int_param("window_days", 30, 1, 365, "days", "Largest gap between the two legs."),
        money_param("min_amount", 1, 0, 1e12, "Smallest payment considered."),
        int_param(
            "max_intermediary_degree",
            50,
            2,
            1_000_000,
            "accounts",
            "Accounts with more distinct counterparties than this are not counted as relays.",
        ),
        party_types_param(
            "exclude_party_types",
            ["merchant", "agent"],
            "Accounts of these party or account types are not considered.",
        ),
    ),
    false_positives="An employer's staff each paying the same landlord or school.",
    sources=("FATF/Egmont TBML 2020", "AMLSim scatter-gather typology"),
    sensitivity=(explore("min_intermediaries", COUNTS),),
    builder=_scatter_gather,
    explain=_text,
    score=lambda m, p: ratio_score(m["intermediaries"], p["min_intermediaries"]),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"]),
)
