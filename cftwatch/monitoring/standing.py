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

Tables that several rules of one run derive from the same transactions and nothing else
(the number of payments on each pair, each account's span of history) are `shared`:
inside `shared_tables()` (a monitoring run, a calibration) each is computed and stored
once per input and dropped when the block ends; outside, it stays a lazy expression.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.materialising import materialise, release
from cftwatch.engine.windows import DAY, without_same_ts
from cftwatch.monitoring.params import int_param
from cftwatch.monitoring.spec import ParamSpec

PAIR = ["debtor_account", "creditor_account"]


SharedStore = dict[tuple[str, Any], ir.Table]

_SHARED: ContextVar[SharedStore | None] = ContextVar("cftwatch_shared_tables", default=None)
_NAMES = itertools.count()


@contextmanager
def shared_tables(store: SharedStore | None = None) -> Iterator[SharedStore]:
    """Within the block, each `shared` table is computed once per input and stored in
    `store` (a new one when None: every table dropped at the end; a caller's own store
    outlives the block and is dropped with `release_shared`)."""
    own = store is None
    current: SharedStore = {} if store is None else store
    token = _SHARED.set(current)
    try:
        yield current
    finally:
        _SHARED.reset(token)
        if own:
            release_shared(current)


def release_shared(store: SharedStore) -> None:
    """Drop every table of a `shared_tables` store."""
    for table in store.values():
        release(table)
    store.clear()


def shared(what: str, source: ir.Table, build: Callable[[ir.Table], ir.Table]) -> ir.Table:
    """`build(source)`, stored once per (`what`, `source`) inside `shared_tables()` (the
    same transactions give the same table to every rule that asks), lazy outside."""
    store = _SHARED.get()
    if store is None:
        return build(source)
    key = (what, source.op())
    if key not in store:
        name = f"_cftwatch_shared{os.getpid()}_{next(_NAMES)}"
        store[key] = materialise(build(source), name=name)
    return store[key]


def pair_counts(t: ir.Table) -> ir.Table:
    """(debtor_account, creditor_account, `_pn`): the number of payments of `t` on each
    pair of two different accounts."""
    t = t.filter(
        t.debtor_account.notnull(),
        t.creditor_account.notnull(),
        t.debtor_account != t.creditor_account,
    )
    return t.group_by(PAIR).aggregate(_pn=t.count())


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


__all__ = [
    "PAIR",
    "SharedStore",
    "fresh_pairs",
    "pair_counts",
    "release_shared",
    "shared",
    "shared_tables",
    "standing_params",
    "with_pair_history",
]
