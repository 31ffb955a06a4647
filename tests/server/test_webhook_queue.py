"""Webhook retries kept in the operational store: a pending retry survives the server
stopping, a killed server's deliveries are taken over once their lease runs out, each
delivery is claimed by one server only, and every attempt is recorded. Against a real
loopback receiver (`Receiver` of test_webhooks)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from cftwatch.app.webhook_targets import WebhookSettings, WebhookTarget
from cftwatch.server import webhooks
from cftwatch.store import OperationalStore
from cftwatch.store.webhook_queue import (
    NewDelivery,
    claim_pending,
    enqueue_deliveries,
    queued_deliveries,
    webhook_attempts,
)
from tests.server.test_webhooks import SECRET, Receiver


@pytest.fixture
def secret_env(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("CFTWATCH_TEST_HOOK_SECRET", SECRET)
    return "CFTWATCH_TEST_HOOK_SECRET"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[OperationalStore]:
    opened = OperationalStore(f"sqlite:///{tmp_path / 'store.sqlite'}")
    opened.migrate()
    yield opened
    opened.close()


def _settings(url: str, env: str, **policy: Any) -> WebhookSettings:
    return WebhookSettings(
        targets=[WebhookTarget(url=url, secret_env=env)],
        **{"backoff_s": 0.5, "max_backoff_s": 1.0, "timeout_s": 2.0, **policy},
    )


def _wait_for(check: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_pending_retry_survives_a_restart(store: OperationalStore, secret_env: str) -> None:
    with Receiver([500]) as receiver:
        settings = _settings(receiver.url, secret_env)
        # the first server's clock stands still: its retry never comes due before it stops
        first = webhooks.WebhookDispatcher(settings, store=store, clock=lambda: 0.0).start()
        delivery = first.notify("decision.block", {"txn_id": "t-1", "decision": "BLOCK"})
        _wait_for(lambda: len(webhook_attempts(store)) == 1)
        first.close()
        assert len(receiver.requests) == 1
        (row,) = queued_deliveries(store)
        assert (row.delivery_id, row.state, row.attempts, row.last_status) == (
            delivery,
            "pending",
            1,
            500,
        )
        second = webhooks.WebhookDispatcher(settings, store=store).start()
        try:
            _wait_for(lambda: queued_deliveries(store, "delivered") != [])
        finally:
            second.close()
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]
    assert json.loads(receiver.requests[1]["body"])["id"] == delivery
    attempts = webhook_attempts(store, row.id)
    assert [(a.attempt, a.status, a.final) for a in attempts] == [(1, 500, False), (2, 200, True)]


def test_a_killed_servers_delivery_is_taken_over_after_its_lease(
    store: OperationalStore, secret_env: str
) -> None:
    with Receiver() as receiver:
        body = json.dumps({"id": "d-1", "event": "case.changed", "data": {}})
        # what a killed server leaves: queued, never attempted, its lease about to run out
        (queue_id,) = enqueue_deliveries(
            store, [NewDelivery("d-1", "case.changed", receiver.url, body)], lease_s=0.2
        )
        dispatcher = webhooks.WebhookDispatcher(_settings(receiver.url, secret_env), store=store)
        assert claim_pending(store, 60.0) == []  # still leased to the killed server
        time.sleep(0.3)
        dispatcher.start()
        try:
            _wait_for(lambda: queued_deliveries(store, "delivered") != [])
        finally:
            dispatcher.close()
    assert [r["body"] for r in receiver.requests] == [body.encode()]
    assert [(a.queue_id, a.attempt, a.status) for a in webhook_attempts(store)] == [
        (queue_id, 1, 200)
    ]


def test_a_lapsed_delivery_is_claimed_by_one_server_only(store: OperationalStore) -> None:
    enqueue_deliveries(
        store, [NewDelivery("d-2", "case.changed", "http://127.0.0.1:9/", "{}")], 0.0
    )
    time.sleep(0.01)
    taken = claim_pending(store, 60.0)
    assert [d.delivery_id for d in taken] == ["d-2"]
    assert claim_pending(store, 60.0) == []  # the second server finds it leased


def test_a_refused_delivery_is_final_and_recorded(store: OperationalStore, secret_env: str) -> None:
    with Receiver([404]) as receiver:
        dispatcher = webhooks.WebhookDispatcher(
            _settings(receiver.url, secret_env), store=store
        ).start()
        try:
            dispatcher.notify("decision.review", {"txn_id": "t-2"})
            _wait_for(lambda: queued_deliveries(store, "failed") != [])
        finally:
            dispatcher.close()
    (row,) = queued_deliveries(store)
    assert (row.attempts, row.last_status, row.last_error) == (1, 404, "HTTP 404")
    assert [(a.status, a.final) for a in webhook_attempts(store, row.id)] == [(404, True)]
