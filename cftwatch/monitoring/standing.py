"""Standing counterparties: payments on a pair of accounts that has paid before.

Money that moves along a relationship the account already has (the same payer every month,
the same supplier paid every week) is the account's usual business, whatever its size or
speed; layering needs fresh counterparties, mule to mule, one payment each. A rule that asks
"is this unusual for the account?" can therefore leave out the payments on a *standing*
pair: one that already carried at least `standing_payments` payments in the
`standing_days` days before (strictly before: same-timestamp payments do not make each
other standing).

One RANGE window per (debtor account, creditor account) ordered by time: portable (DuckDB
and Spark) and one sort of the rule's rows.
"""

from __future__ import annotations

from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.windows import DAY, without_same_ts
from cftwatch.monitoring.params import int_param
from cftwatch.monitoring.spec import ParamSpec

PAIR = ["debtor_account", "creditor_account"]


def with_pair_history(t: ir.Table, days: int) -> ir.Table:
    """`t` with `pair_prior`: the number of payments on the row's (debtor account, creditor
    account) pair in the `days` days strictly before it."""
    prior = without_same_ts(t.txn_id.count(), PAIR, preceding=days * DAY, following=0)
    return t.mutate(pair_prior=prior)


def fresh_pairs(t: ir.Table, p: dict[str, Any]) -> ir.Table:
    """The payments of `t` that are not on a standing pair (`standing_payments` 0: all)."""
    if p["standing_payments"] <= 0:
        return t
    h = with_pair_history(t, p["standing_days"])
    return h.filter(h.pair_prior < p["standing_payments"]).drop("pair_prior")


def standing_params(what: str, default_payments: int, default_days: int) -> tuple[ParamSpec, ...]:
    """`standing_payments` and `standing_days` of a rule that leaves standing pairs out of
    `what`."""
    state = "off" if default_payments == 0 else "on"
    return (
        int_param(
            "standing_payments",
            default_payments,
            0,
            1000,
            "payments",
            f"Leave out of {what} the payments on a standing relationship: a payer/payee pair "
            f"that already carried at least this many payments in the previous "
            f"`standing_days` days (0: off; default {state}). An account moving money along "
            "its usual relationships is doing its usual business; layering uses fresh "
            "counterparties.",
        ),
        int_param(
            "standing_days",
            default_days,
            1,
            365,
            "days",
            "How far back a pair's earlier payments are counted (with `standing_payments`).",
        ),
    )


__all__ = ["PAIR", "fresh_pairs", "standing_params", "with_pair_history"]
