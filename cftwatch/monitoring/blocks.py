"""Ibis building blocks the rules share: membership tests, the alert shape, the rows a
family of rules starts from (fan-in payments, payment-graph edges), burst baselines.

The sliding-window machinery (anchors, episodes) is `cftwatch.engine.windows`; graph
motifs (cycles, scatter-gather, gather-scatter) are `cftwatch.network.motifs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import ibis
import ibis.expr.types as ir

from cftwatch.engine.windows import DAY, HOUR, anchors_by_distinct, episodes, rows_in_episodes
from cftwatch.monitoring.spec import RuleInput

KEYS = ["acct", "currency"]
"""What most rules group by: the account an alert is about and the payments' currency."""


def same_time_may_follow(inp: RuleInput, p: dict[str, Any]) -> bool:
    """Whether a leg with the same timestamp as the previous one may follow it (the
    `same_day_legs` setting: `sequential`, or `auto` on date-only data)."""
    mode = p.get("same_day_legs", "auto")
    return mode == "sequential" or (mode == "auto" and inp.date_only)


def not_in(col: ir.Column, values: Sequence[str]) -> ir.BooleanValue:
    """`col NOT IN values`, with NULL counting as not in (SQL would drop the row)."""
    if not values:
        return ibis.literal(True)
    return col.isnull() | ~col.isin(list(values))


def is_in(col: ir.Column, values: Sequence[str]) -> ir.BooleanValue:
    if not values:
        return ibis.literal(False)
    return col.notnull() & col.isin(list(values))


def in_high_risk_area(t: ir.Table, side: str, p: dict[str, Any]) -> ir.BooleanValue:
    """The `side` (debtor or creditor) is in a high-risk country or region."""
    return is_in(t[f"{side}_country"], p["high_risk_countries"]) | is_in(
        t[f"{side}_region"], p["high_risk_regions"]
    )


def base_aggregates(t: ir.Table) -> dict[str, ir.Value]:
    """The columns every alert carries, aggregated over its rows."""
    return {
        "window_start": t.ts.min(),
        "window_end": t.ts.max(),
        "txn_ids": t.txn_id.collect(),
        "amount": t.amount.sum(),
    }


def alert_shape(g: ir.Table, subject: str = "acct", **metrics: Any) -> ir.Table:
    """Project an aggregate onto the alert shape (ALERT_COLUMNS + metrics); a metric given
    as None is the aggregate's column of that name."""
    return g.select(
        subject_id=g[subject],
        window_start=g.window_start,
        window_end=g.window_end,
        txn_ids=g.txn_ids,
        amount=g.amount,
        currency=g.currency,
        **{k: (g[k] if v is None else v) for k, v in metrics.items()},
    )


def with_prior_count(g: ir.Table, rows: ir.Table, keys: Sequence[str], baseline_s: int) -> ir.Table:
    """Add `prior`: rows of the same key in the `baseline_s` seconds before each `ep_start`.

    Lets a rule compare a burst with the account's own recent habit, so an account that
    does this every week is not reported every week.
    """
    e = g.select(*[g[k].name(f"_p_{k}") for k in keys], _p_s=g.ep_start).distinct()
    preds = [rows[k] == e[f"_p_{k}"] for k in keys]
    preds += [rows.ts_s >= e._p_s - baseline_s, rows.ts_s < e._p_s]
    j = rows.join(e, preds)
    c = j.group_by([*[f"_p_{k}" for k in keys], "_p_s"]).aggregate(_prior=j.count())
    out = g.left_join(c, [*[g[k] == c[f"_p_{k}"] for k in keys], g.ep_start == c._p_s])
    out = out.mutate(prior=ibis.coalesce(out._prior, 0))
    return out.drop("_prior", "_p_s", *[f"_p_{k}" for k in keys])


def fan_in_rows(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """Small person-to-person payments into accounts that are not NPOs, merchants or agents."""
    t = inp.txns
    return t.filter(
        is_in(t.channel, p["channels"]),
        t.amt <= p["max_payment"],
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
        t.debtor_account.notnull(),
    ).mutate(acct=t.creditor_account, who=t.debtor_account)


def fan_in_episode_rows(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """The fan-in payments of each collection episode (crowdfunding and its cash-out)."""
    r = fan_in_rows(inp, p)
    w = p["window_hours"] * HOUR
    anchors = anchors_by_distinct(
        r, KEYS, "who", w, p["min_senders"], p["baseline_days"] * DAY, p["burst_factor"]
    )
    return rows_in_episodes(episodes(anchors, KEYS, w), r, KEYS)


def payment_edges(inp: RuleInput, p: dict[str, Any]) -> ir.Table:
    """The payments of at least `min_amount` between two different accounts, none of an
    excluded party or account type, as a `cftwatch.network.motifs` edges table."""
    t = inp.txns
    t = t.filter(
        t.amt >= p["min_amount"],
        t.debtor_account.notnull(),
        t.creditor_account.notnull(),
        t.debtor_account != t.creditor_account,
        not_in(t.debtor_party_type, p["exclude_party_types"]),
        not_in(t.creditor_party_type, p["exclude_party_types"]),
        not_in(t.debtor_account_type, p["exclude_party_types"]),
        not_in(t.creditor_account_type, p["exclude_party_types"]),
    )
    return as_edges(t)


def as_edges(t: ir.Table) -> ir.Table:
    """Payments as a `cftwatch.network.motifs` edges table (`src` pays `dst`)."""
    return t.select(
        "txn_id",
        "ts",
        "ts_s",
        "amt",
        "amount",
        "currency",
        src=t.debtor_account,
        dst=t.creditor_account,
    )
