"""The journal of payments evaluated by the decision service: each payment with its
decision and reasons, stored (with its audit row) before the answer is sent.

Append-only (database triggers refuse UPDATE and DELETE) and unique by payment key, so a
payment sent twice is stored once and answered with the stored decision. The state of the
service is rebuilt from the recent part of it, and `cftwatch.app.decide` copies it into
the workspace's transactions for batch monitoring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy.exc as sa_exc
from sqlalchemy import func, select

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
    """Store a decision and its audit row in one transaction: (the stored decision, True),
    or (the one stored first, False) when the payment was already decided."""
    now = utcnow()
    try:
        with store.session() as s:
            row = PaymentDecisionRow(
                payment_key=payment_key,
                ts=ts,
                decision=decision,
                payment=to_jsonable(payment),
                reasons=to_jsonable(reasons),
                decided_at=now,
                decided_by=user,
            )
            s.add(row)
            s.flush()
            store.write_audit(
                s,
                [
                    {
                        "entity_type": "payment",
                        "entity_id": payment_key,
                        "action": "decide",
                        "field": "decision",
                        "after": decision,
                    }
                ],
                user=user,
                at=now,
            )
            return PaymentDecision.model_validate(row), True
    except sa_exc.IntegrityError:
        existing = stored_decision(store, payment_key)
        if existing is None:  # pragma: no cover - an integrity error of another kind
            raise
        return existing, False


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
