"""The journal of payments evaluated by the decision service: each payment with its
decision and reasons, stored (with its audit row) before the answer is sent.

Append-only (database triggers refuse UPDATE and DELETE) and unique by payment key, so a
payment sent twice is stored once and answered with the stored decision. The state of the
service is rebuilt from the recent part of it, and `cftwatch.app.decide` copies it into
the workspace's transactions for batch monitoring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cftwatch.jsontext import to_jsonable
from cftwatch.store.models import PaymentDecisionRow
from cftwatch.store.records import Record
from cftwatch.store.store import OperationalStore, utcnow


class PaymentDecision(Record):
    id: int
    payment_key: str
    ts: dt.datetime
    decision: str
    payment: dict[str, Any]
    reasons: list[Any]
    decided_at: dt.datetime
    decided_by: str


def stored_decision(store: OperationalStore, payment_key: str) -> PaymentDecision | None:
    """The decision already stored for `payment_key`, if any."""
    with store.session(readonly=True) as s:
        row = s.scalars(
            select(PaymentDecisionRow).where(PaymentDecisionRow.payment_key == payment_key)
        ).first()
        return None if row is None else PaymentDecision.model_validate(row)


def store_decision(
    store: OperationalStore,
    payment_key: str,
    ts: dt.datetime,
    decision: str,
    payment: dict[str, Any],
    reasons: list[Any],
    user: str,
) -> tuple[PaymentDecision, bool]:
    """Store one decision and its audit row in one transaction: (the stored decision,
    True), or (the one stored first, False) when the payment was already decided."""
    new = NewDecision(payment_key, ts, decision, to_jsonable(payment), to_jsonable(reasons), user)
    return store_decisions(store, [new])[0]


@dataclass(frozen=True)
class NewDecision:
    """A decision to store (`store_decisions`); values JSON-able (`to_jsonable`)."""

    payment_key: str
    ts: dt.datetime
    decision: str
    payment: dict[str, Any]
    reasons: list[Any]
    user: str


def store_decisions(
    store: OperationalStore, new: Sequence[NewDecision]
) -> list[tuple[PaymentDecision, bool]]:
    """Store many decisions, and an audit row for each one stored, in ONE transaction (one
    disk flush for a whole group: the service commits the decisions of concurrent requests
    together). A payment already in the journal (or twice in `new`) is not stored again:
    its entry answers (the stored decision, False)."""
    if not new:
        return []
    now = utcnow()
    insert = sqlite_insert if store.dialect == "sqlite" else pg_insert
    table = cast(Table, PaymentDecisionRow.__table__)
    once: dict[str, NewDecision] = {}  # a key twice in `new`: its first
    for d in new:
        once.setdefault(d.payment_key, d)
    values: list[dict[str, Any]] = [
        {
            "payment_key": d.payment_key,
            "ts": d.ts,
            "decision": d.decision,
            "payment": d.payment,
            "reasons": d.reasons,
            "decided_at": now,
            "decided_by": d.user,
        }
        for d in once.values()
    ]
    with store.session() as s:
        # one multi-row INSERT; RETURNING gives the stored rows of those it added
        stmt = (
            insert(table).on_conflict_do_nothing(index_elements=["payment_key"]).returning(*table.c)
        )
        rows = {r.payment_key: PaymentDecision.model_validate(r) for r in s.execute(stmt, values)}
        fresh = set(rows)
        by_user: dict[str, list[dict[str, Any]]] = {}
        for v in values:
            if v["payment_key"] in fresh:
                by_user.setdefault(v["decided_by"], []).append(
                    {
                        "entity_type": "payment",
                        "entity_id": v["payment_key"],
                        "action": "decide",
                        "field": "decision",
                        "after": v["decision"],
                    }
                )
        for user, entries in by_user.items():
            store.write_audit(s, entries, user=user, at=now)
        earlier = [k for k in once if k not in fresh]  # decided before: the stored answer
        if earlier:
            for r in s.execute(select(*table.c).where(table.c.payment_key.in_(earlier))):
                rows[r.payment_key] = PaymentDecision.model_validate(r)
    seen: set[str] = set()
    out = []
    for d in new:
        first = d.payment_key in fresh and d.payment_key not in seen
        seen.add(d.payment_key)
        out.append((rows[d.payment_key], first))
    return out


def decisions_since(
    store: OperationalStore, since: dt.datetime | None = None, *, after_id: int = 0
) -> Iterator[PaymentDecision]:
    """Stored decisions in id order: of payments made at or after `since`, with an id
    above `after_id`."""
    stmt = select(PaymentDecisionRow).where(PaymentDecisionRow.id > after_id)
    if since is not None:
        stmt = stmt.where(PaymentDecisionRow.ts >= since)
    with store.session(readonly=True) as s:
        for row in s.scalars(stmt.order_by(PaymentDecisionRow.id)).yield_per(2000):
            yield PaymentDecision.model_validate(row)


def newest_payment_time(store: OperationalStore) -> dt.datetime | None:
    """The time of the newest payment in the journal (None when it is empty)."""
    with store.session(readonly=True) as s:
        return s.scalar(select(func.max(PaymentDecisionRow.ts)))


def payment_fields_since(
    store: OperationalStore, since: dt.datetime, fields: Sequence[str], *, skip_decision: str
) -> Iterator[tuple[Any, ...]]:
    """`fields` of the stored payments made at or after `since` (as text, None when
    absent), in id order, but for those decided `skip_decision`: what the decision service
    rebuilds its per-account state from, read in the database (no decoding of whole
    payments and reasons, no model objects per row)."""
    col = PaymentDecisionRow.payment
    stmt = (
        select(*(col[f].as_string() for f in fields))
        .where(PaymentDecisionRow.ts >= since, PaymentDecisionRow.decision != skip_decision)
        .order_by(PaymentDecisionRow.id)
    )
    with store.session(readonly=True) as s:
        yield from s.execute(stmt).yield_per(5000)
