"""Rule `one_off_fan_in`: many new one-off senders over a long window, unusual for the account."""

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
    anchors, rows = unusual_windows(inp, p, "in")
    g = episode_aggregate(anchors, rows, p["window_days"] * DAY, "senders")
    return alert_shape(g, senders_n=None, senders_who=None, peer_most=None)


def _text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    why = new_account_clause(m, p, m["senders_n"], "new one-off sender") or (
        f"more new one-off senders in {p['window_days']} days than "
        f"{tx.times(p['burst_factor'])} its usual number"
    )
    return (
        f"{tx.capital(m['subject'])} received {tx.money(m['amount'], c)} from "
        f"{tx.count(m['senders_n'], 'new sender')} that paid it no more than "
        f"{tx.count(p['max_pair_payments'], 'time')} ({listed(m['senders_who'])}) between "
        f"{tx.day(m['window_start'])} and {tx.day(m['window_end'])}: {why}."
    )


RULE = RuleSpec(
    id="one_off_fan_in",
    position=17,
    typology="fan_in",
    title="Fan-in from new one-off senders",
    description=(
        "At least `min_counterparties` accounts that never paid the account before and pay it "
        "at most `max_pair_payments` times pay it within `window_days` (up to a year), at "
        "least `burst_factor` times the account's usual number of new one-off senders for a "
        "window of that length in the rest of its history."
    ),
    why=(
        "Placement through many unrelated payers (mules, smurfs, front donors) into one "
        "collecting account shows as a stream of payers that appear once and never again, "
        "often weeks or months apart; an ordinary account is paid by the same customers, "
        "employers and relatives over and over."
    ),
    severity="medium",
    params=one_off_params("senders", 3, 240, 10, 2.0),
    false_positives=(
        "A person collecting for a one-time event (wedding, funeral, medical appeal); a new "
        "sole trader whose customers each buy once."
    ),
    sources=("FFIEC BSA/AML Manual App. F", "FATF Professional Money Laundering 2018"),
    sensitivity=(
        explore("min_counterparties", COUNTS),
        explore("burst_factor", BURSTS),
    ),
    budget=NEW_COUNTERPARTY_BUDGET,
    builder=_build,
    explain=_text,
    score=lambda m, p: ratio_score(m["senders_n"], p["min_counterparties"]),
    lookback=lambda p: dt.timedelta(days=2 * p["window_days"]),
)
