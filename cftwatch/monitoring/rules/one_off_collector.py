"""Rule `one_off_collector`: new one-off senders in, then new one-off recipients out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import DAY, episodes, rows_in_episodes
from cftwatch.monitoring import text as tx
from cftwatch.monitoring.blocks import KEYS
from cftwatch.monitoring.params import BURSTS, COUNTS, NEW_COUNTERPARTY_BUDGET, explore, float_param
from cftwatch.monitoring.rules._one_off import (
    listed,
    new_account_clause,
    one_off_params,
    unusual_windows,
    with_peer_most,
)
from cftwatch.monitoring.scores import ratio_score
from cftwatch.monitoring.spec import RuleInput, RuleSpec


def _side(rows: ir.Table, prefix: str) -> ir.Table:
    g = rows.group_by([*KEYS, "ep_start"])
    return g.aggregate(
        **{
            f"{prefix}_start": rows.ts.min(),
            f"{prefix}_end": rows.ts.max(),
            f"{prefix}_ids": rows.txn_id.collect(),
            f"{prefix}_amount": rows.amount.sum(),
            f"{prefix}_n": rows.who.nunique(),
            f"{prefix}_who": rows.who.collect().sort(),
        }
    )


def _build(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    w = p["window_days"] * DAY
    a_in, r_in = unusual_windows(inp, p, "in")
    a_out, r_out = unusual_windows(inp, p, "out")
    o = a_out.select(_oa=a_out.acct, _oc=a_out.currency, _ob=a_out.a_ts)
    j = a_in.join(
        o,
        [a_in.acct == o._oa, a_in.currency == o._oc, o._ob >= a_in.a_ts, o._ob <= a_in.a_ts + w],
    )
    eps = episodes(j.select(*KEYS, "a_ts").distinct(), KEYS, w)
    got = _side(rows_in_episodes(eps, r_in, KEYS), "senders")
    paid = _side(rows_in_episodes(eps, r_out, KEYS, end_extra_s=w), "recipients")
    paid = paid.rename(_pa="acct", _pc="currency", _pe="ep_start")
    g = got.join(paid, [got.acct == paid._pa, got.currency == paid._pc, got.ep_start == paid._pe])
    g = with_peer_most(g, a_in, a_out)
    out, took = g.recipients_amount.cast("float64"), g.senders_amount.cast("float64")
    g = g.filter(
        g.recipients_end >= g.senders_start,
        out >= took * p["min_forward_share"],
        out <= took * p["max_forward_share"],
    )
    return g.select(
        subject_id=g.acct,
        window_start=g.senders_start,
        window_end=g.recipients_end,
        txn_ids=g.senders_ids.concat(g.recipients_ids),
        amount=g.senders_amount,
        currency=g.currency,
        paid_out=g.recipients_amount,
        senders_n=g.senders_n,
        senders_who=g.senders_who,
        recipients_n=g.recipients_n,
        recipients_who=g.recipients_who,
        peer_most=g.peer_most,
    )


def _text(m: dict[str, Any], p: dict[str, Any]) -> str:
    c = m["currency"]
    share = tx.share(m["paid_out"], m["amount"])
    n = min(m["senders_n"], m["recipients_n"])
    why = new_account_clause(
        m, p, n, "new one-off counterparty on each side", "new one-off counterparties on each side"
    ) or (
        f"each side more than {tx.times(p['burst_factor'])} its usual number of new counterparties"
    )
    return (
        f"{tx.capital(m['subject'])} received {tx.money(m['amount'], c)} from "
        f"{tx.count(m['senders_n'], 'new one-off sender')} ({listed(m['senders_who'])}) and "
        f"paid {tx.pct(share)} of it ({tx.money(m['paid_out'], c)}) to "
        f"{tx.count(m['recipients_n'], 'new one-off recipient')} "
        f"({listed(m['recipients_who'])}) between {tx.day(m['window_start'])} and "
        f"{tx.day(m['window_end'])}: {why}."
    )


RULE = RuleSpec(
    id="one_off_collector",
    position=19,
    typology="gather_scatter",
    title="Collector: new one-off senders in, new one-off recipients out",
    description=(
        "Within `window_days` the account is paid by at least `min_counterparties` new one-off "
        "senders and, from then until `window_days` after the last of them, pays at least "
        "`min_counterparties` new one-off recipients between `min_forward_share` and "
        "`max_forward_share` of what it collected; each side at least `burst_factor` times "
        "the account's usual number of new one-off counterparties (as `one_off_fan_in` and "
        "`one_off_fan_out`). A new account (too little history of its own: less than one "
        "window outside the window, or fewer than `min_history_payments` payments) is judged "
        "against the established accounts of its kind instead: each side must bring more new "
        "one-off counterparties than `new_account_quantile` of them see in their busiest "
        "window."
    ),
    why=(
        "A collector account pools money from payers who appear once and passes it on to "
        "recipients who appear once: the gather-scatter shape of a layering hub or of a "
        "cell's paymaster, whose legs may be weeks apart."
    ),
    severity="high",
    params=(
        *one_off_params("senders (and recipients)", 3, 60, 10, 4.0, new_quantile=0.9),
        float_param(
            "min_forward_share", 0.25, 0.0, 1.0, "fraction", "Share of the collection paid out."
        ),
        float_param(
            "max_forward_share",
            4.0,
            1.0,
            100.0,
            "fraction",
            "Paying out more than this multiple of the collection means other money is involved.",
        ),
    ),
    false_positives="Committee (ROSCA) organisers; a person reselling goods bought from strangers.",
    sources=("FFIEC BSA/AML Manual App. F", "FATF Professional Money Laundering 2018"),
    sensitivity=(
        explore("min_counterparties", COUNTS),
        explore("burst_factor", BURSTS),
    ),
    budget=NEW_COUNTERPARTY_BUDGET,
    builder=_build,
    explain=_text,
    score=lambda m, p: ratio_score(min(m["senders_n"], m["recipients_n"]), p["min_counterparties"]),
    lookback=lambda p: dt.timedelta(days=3 * p["window_days"]),
)
