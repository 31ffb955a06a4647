"""Rule `short_cycles`: short cycles."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import (
    DAY,
    HOUR,
)
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import (
    payment_edges,
    same_time_may_follow,
)
from cftwatch.monitoring.params import (
    MAX_DAYS,
    MAX_HOPS,
    MAX_HOURS,
    float_param,
    int_param,
    money_param,
    party_types_param,
)
from cftwatch.monitoring.scores import clip
from cftwatch.monitoring.spec import RuleInput, RuleSpec
from cftwatch.monitoring.standing import fresh_pairs, standing_params
from cftwatch.network.motifs import short_cycles


def _cycles(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """Time-ordered cycles, each found once from its first payment (see
    `cftwatch.network.motifs.short_cycles`); payments on standing pairs are no part of one
    (`standing_payments`: two accounts that pay each other every month are not round-tripping
    anyone's money)."""
    inp = replace(inp, txns=fresh_pairs(inp.txns, p))
    c = short_cycles(
        payment_edges(inp, p),
        max_hops=p["max_hops"],
        max_hop_s=p["max_hop_hours"] * HOUR,
        window_s=p["window_days"] * DAY,
        max_fee=p["max_fee"],
        same_ts=same_time_may_follow(inp, p),
    )
    return c.select(
        subject_id=c.start,
        window_start=c.ts_first,
        window_end=c.ts_last,
        txn_ids=c.txn_ids,
        amount=c.amount,
        currency=c.currency,
        hops=c.hops,
        returned=c.returned,
        members=c.members,
        span_h=((c.t_last - c.t_first) / 3600).cast("float64"),
    )


def _cycle_text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    route = " -> ".join([*m["members"], m["members"][0]])
    kept = 1 - float(m["returned"]) / float(m["amount"]) if float(m["amount"]) else 0.0
    return (
        f"{tx.money(m['amount'], c)} left {m['subject']} and came back as "
        f"{tx.money(m['returned'], c)} ({tx.pct(kept)} kept on the way) after "
        f"{m['hops']} hops within {tx.duration(m['span_s'])}: {route}."
    )


RULE = RuleSpec(
    id="short_cycles",
    position=10,
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
        int_param(
            "max_hops",
            5,
            2,
            MAX_HOPS,
            "hops",
            "Longest cycle searched (the pack's typology spec says 2-4; 5 covers synth's longest).",
        ),
        money_param("min_amount", 50_000, 1, 1e12, "Smallest payment on the cycle.", floor=True),
        int_param(
            "max_hop_hours", 48, 1, MAX_HOURS, "hours", "Longest wait between consecutive payments."
        ),
        int_param("window_days", 7, 1, MAX_DAYS, "days", "First to last payment."),
        float_param(
            "max_fee", 0.05, 0, 0.5, "fraction", "Largest share an account keeps on the way."
        ),
        *standing_params("the cycle's payments", 1, 90),
        party_types_param(
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
    score=lambda m, p: clip(0.6 + 0.1 * (m["hops"] - 1)),
    settings=("same_day_legs",),
    lookback=lambda p: dt.timedelta(
        days=p["window_days"] + (p["standing_days"] if p["standing_payments"] > 0 else 0)
    ),
)
