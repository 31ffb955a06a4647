"""The journal's group write (`store_decisions`, one multi-row INSERT with RETURNING in
one transaction): each new payment stored once with one audit row, a payment decided
before (or twice in the group) answered with the stored decision, in the group's order."""

from __future__ import annotations

import datetime as dt
import getpass

from cftwatch.store import NewDecision, OperationalStore, decisions_since, store_decisions
from cftwatch.workspace import Workspace

T0 = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


def _new(key: str, decision: str = "ACCEPT", user: str = "ana") -> NewDecision:
    payment = {"txn_id": key, "amount": "10.50", "ts": T0.isoformat()}
    reasons = [{"decision": decision, "kind": "rule", "rule_id": "x", "message": key}]
    return NewDecision(key, T0, decision, payment, reasons, user)


def _store(tmp_path) -> OperationalStore:
    ws = Workspace.init(tmp_path / "ws")
    store = OperationalStore.for_workspace(ws)
    ws.close()
    me = getpass.getuser()
    store.add_user(me, "admin", me)
    store.add_user("ana", "analyst", me)
    store.add_user("bob", "analyst", me)
    return store


def _audited(store: OperationalStore) -> list[str]:
    from sqlalchemy import text

    with store.session(readonly=True) as s:
        rows = s.execute(
            text("SELECT entity_id FROM audit_log WHERE entity_type = 'payment' ORDER BY id")
        )
        return [r[0] for r in rows]


def test_group_stores_each_payment_once_in_order(tmp_path):
    store = _store(tmp_path)
    try:
        first = store_decisions(store, [_new("p1"), _new("p2", "BLOCK", "bob")])
        assert [(r.payment_key, r.decision, created) for r, created in first] == [
            ("p1", "ACCEPT", True),
            ("p2", "BLOCK", True),
        ]
        assert first[0][0].payment == {"txn_id": "p1", "amount": "10.50", "ts": T0.isoformat()}
        assert first[0][0].reasons[0]["message"] == "p1"
        assert first[1][0].decided_by == "bob" and first[0][0].id < first[1][0].id
        # p1 again (stored earlier), p3 twice in one group (its first one counts), p4 new
        group = [_new("p3"), _new("p1", "BLOCK"), _new("p3", "BLOCK"), _new("p4")]
        second = store_decisions(store, group)
        assert [(r.payment_key, r.decision, created) for r, created in second] == [
            ("p3", "ACCEPT", True),
            ("p1", "ACCEPT", False),
            ("p3", "ACCEPT", False),
            ("p4", "ACCEPT", True),
        ]
        assert second[1][0] == first[0][0]  # the stored answer, word for word
        assert second[0][0] == second[2][0]
        stored = list(decisions_since(store))
        assert [d.payment_key for d in stored] == ["p1", "p2", "p3", "p4"]
        assert _audited(store) == ["p1", "p2", "p3", "p4"]  # one audit row per stored one
        assert store.verify_audit()[1] is None
        assert store_decisions(store, []) == []
    finally:
        store.close()


def test_group_of_replays_only_writes_nothing(tmp_path):
    store = _store(tmp_path)
    try:
        store_decisions(store, [_new("a"), _new("b")])
        again = store_decisions(store, [_new("b", "REVIEW"), _new("a", "REVIEW")])
        assert [(r.payment_key, r.decision, c) for r, c in again] == [
            ("b", "ACCEPT", False),
            ("a", "ACCEPT", False),
        ]
        assert _audited(store) == ["a", "b"]
        assert len(list(decisions_since(store))) == 2
    finally:
        store.close()
