"""The webhook delivery queue: each delivery to each target is a row until it is
delivered or given up, and each attempt is a row of its own, so a server that stops (or
is killed) resumes its pending retries when it starts again.

A row is owned by the process that queued or resumed it until `lease_until`; the owner
extends the lease as it schedules a retry. A pending row whose lease ran out (its owner
stopped) is claimed by the next server that looks (`claim_pending`), once: the claim is a
conditional update, so two workers never both take it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from cftwatch.store.models import WebhookAttemptRow, WebhookQueueRow
from cftwatch.store.records import Record
from cftwatch.store.store import OperationalStore, utcnow

__all__ = [
    "NewDelivery",
    "QueuedDelivery",
    "WebhookAttempt",
    "claim_pending",
    "enqueue_deliveries",
    "queued_deliveries",
    "record_attempt",
    "release_leases",
    "webhook_attempts",
]


class QueuedDelivery(Record):
    id: int
    delivery_id: str
    event: str
    url: str
    body: str
    state: str
    attempts: int
    due_at: dt.datetime
    lease_until: dt.datetime
    created_at: dt.datetime
    last_status: int | None
    last_error: str | None


class WebhookAttempt(Record):
    id: int
    queue_id: int
    attempt: int
    at: dt.datetime
    status: int | None
    error: str | None
    final: bool


@dataclass(frozen=True)
class NewDelivery:
    delivery_id: str
    event: str
    url: str
    body: str


def enqueue_deliveries(
    store: OperationalStore, new: Sequence[NewDelivery], lease_s: float
) -> list[int]:
    """Queue deliveries (due now, leased to the caller for `lease_s`), in one transaction;
    their row ids, in order."""
    now = utcnow()
    lease = now + dt.timedelta(seconds=lease_s)
    rows = [
        WebhookQueueRow(
            delivery_id=d.delivery_id,
            event=d.event,
            url=d.url,
            body=d.body,
            state="pending",
            attempts=0,
            due_at=now,
            lease_until=lease,
            created_at=now,
        )
        for d in new
    ]
    with store.session() as s:
        s.add_all(rows)
        s.flush()
        return [r.id for r in rows]


def record_attempt(
    store: OperationalStore,
    queue_id: int,
    *,
    attempt: int,
    status: int | None,
    error: str | None,
    delivered: bool,
    final: bool,
    next_due: dt.datetime | None = None,
    lease_s: float = 60.0,
) -> None:
    """Record one attempt and move the delivery on: delivered, failed (final), or pending
    again until `next_due` (its lease extended past it)."""
    now = utcnow()
    values: dict[str, Any] = {"attempts": attempt, "last_status": status, "last_error": error}
    if final:
        values["state"] = "delivered" if delivered else "failed"
    else:
        due = next_due or now
        values["due_at"] = due
        values["lease_until"] = due + dt.timedelta(seconds=lease_s)
    with store.session() as s:
        s.add(
            WebhookAttemptRow(
                queue_id=queue_id, attempt=attempt, at=now, status=status, error=error, final=final
            )
        )
        s.execute(update(WebhookQueueRow).where(WebhookQueueRow.id == queue_id).values(**values))


def claim_pending(
    store: OperationalStore, lease_s: float, limit: int = 1000
) -> list[QueuedDelivery]:
    """Pending deliveries whose lease ran out, now leased to the caller for `lease_s`
    (each taken by one caller only); oldest first."""
    now = utcnow()
    with store.session() as s:
        candidates = list(
            s.scalars(
                select(WebhookQueueRow)
                .where(WebhookQueueRow.state == "pending", WebhookQueueRow.lease_until < now)
                .order_by(WebhookQueueRow.id)
                .limit(limit)
            )
        )
        claimed = []
        for row in candidates:
            lease = max(row.due_at, now) + dt.timedelta(seconds=lease_s)
            result = cast(
                CursorResult[Any],
                s.execute(
                    update(WebhookQueueRow)
                    .where(
                        WebhookQueueRow.id == row.id,
                        WebhookQueueRow.state == "pending",
                        WebhookQueueRow.lease_until == row.lease_until,
                    )
                    .values(lease_until=lease)
                ),
            )
            if result.rowcount:
                claimed.append(
                    QueuedDelivery.model_validate(row).model_copy(update={"lease_until": lease})
                )
        return claimed


def release_leases(store: OperationalStore, queue_ids: Sequence[int]) -> None:
    """Give up the lease of pending deliveries (a server stopping cleanly), so the next
    server resumes them at once."""
    if not queue_ids:
        return
    with store.session() as s:
        s.execute(
            update(WebhookQueueRow)
            .where(WebhookQueueRow.id.in_(list(queue_ids)), WebhookQueueRow.state == "pending")
            .values(lease_until=utcnow() - dt.timedelta(seconds=1))
        )


def queued_deliveries(store: OperationalStore, state: str | None = None) -> list[QueuedDelivery]:
    """Every queued delivery (or those in `state`), oldest first."""
    stmt = select(WebhookQueueRow).order_by(WebhookQueueRow.id)
    if state is not None:
        stmt = stmt.where(WebhookQueueRow.state == state)
    with store.session(readonly=True) as s:
        return [QueuedDelivery.model_validate(r) for r in s.scalars(stmt)]


def webhook_attempts(store: OperationalStore, queue_id: int | None = None) -> list[WebhookAttempt]:
    """Every recorded attempt (or those of one delivery), in order."""
    stmt = select(WebhookAttemptRow).order_by(WebhookAttemptRow.id)
    if queue_id is not None:
        stmt = stmt.where(WebhookAttemptRow.queue_id == queue_id)
    with store.session(readonly=True) as s:
        return [WebhookAttempt.model_validate(r) for r in s.scalars(stmt)]
