"""Rule `one_off_fan_out`: many new one-off recipients over a long window, unusual for the account."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import DAY
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import alert_shape
from cftwatch.monitoring.params import BURSTS, COUNTS, NEW_COUNTERPARTY_BUDGET, explore
from cftwatch.monitoring.rules._one_off import (
    episode_aggregate,
    listed,
    new_account_clause,
    one_off_params,
    unusual_windows,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def _build(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    anchors, rows = unusual_windows(inp, p, "out")
    g = episode_aggregate(anchors, rows, p["window_days"] * DAY, "recipients")
    return alert_shape(g, recipients_n=None, recipients_who=None, peer_most=None)


def _text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    why = new_account_clause(m, p, m["recipients_n"], "new one-off recipient") or (
        f"more new one-off recipients in {p['window_days']} days than "
        f"{tx.times(p['burst_factor'])} its usual number"
    )
    return (
        f"{tx.capital(m['subject'])} paid {tx.money(m['amount'], c)} to "
        f"{tx.count(m['recipients_n'], 'new recipient')} it paid no more than "
        f"{tx.count(p['max_pair_payments'], 'time')} ({listed(m['recipients_who'])}) between "
        f"{tx.day(m['window_start'])} and {tx.day(m['window_end'])}: {why}."
    )


RULE = RuleSpec(
    id="one_off_fan_out",
    position=18,
    typology="fan_out",
    title="Fan-out to new one-off recipients",
    description=(
        "The account pays at least `min_counterparties` accounts it never paid before and "
        "pays at most `max_pair_payments` times within `window_days` (up to a year), at least "
        "`burst_factor` times its usual number of new one-off recipients for a window of that "
        "length in the rest of its history. Only recipients for which the payment is rare count "
        "(at most `max_counterparty_one_offs` one-off senders of their own): payees that "
        "take money from strangers all the time (shops, collection accounts, hubs) stay in "
        "the account's habit but are no part of a burst."
    ),
    why=(
        "Layering and distribution through mules or to operatives spreads a sum over many "
        "recipients who are paid once and never again, often weeks or months apart; an "
        "ordinary account pays the same landlord, suppliers and relatives over and over."
    ),
    severity="medium",
    params=one_off_params("recipients", 3, 90, 3, 3.0, habit_busy=1),
    false_positives=(
        "A person paying many one-time suppliers (moving house, a wedding); refunds of a "
        "failed sale to its buyers."
    ),
    sources=("FFIEC BSA/AML Manual App. F", "FATF Professional Money Laundering 2018"),
    sensitivity=(
        explore("min_counterparties", COUNTS),
        explore("burst_factor", BURSTS),
    ),
    budget=NEW_COUNTERPARTY_BUDGET,
    builder=_build,
    explain=_text,
    score=lambda m, p: ratio_score(m["recipients_n"], p["min_counterparties"]),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"]),
)
