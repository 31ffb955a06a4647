"""The per-account state is rebuilt from the journal's payments read as the fields a leg
needs (in the database): the same legs as from the whole stored payments, blocked ones left
out."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

from cftwatch.app import decide
from cftwatch.server import create_app
from cftwatch.store import decisions_since
from tests.server.conftest import make_workspace
from tests.server.test_evaluate import evaluate, pay


def test_journal_legs_are_those_of_the_stored_payments(tmp_path: Path) -> None:
    root, keys = make_workspace(tmp_path / "ws")
    app = create_app(root, prescreen=0)
    with TestClient(app) as client:
        for i, (amount, channel) in enumerate(
            [("2500.00", "wallet"), ("13.5", None), ("7", "cash")]
        ):
            evaluate(
                client, keys["analyst"], pay(f"R{i}", minutes=i, amount=amount, channel=channel)
            )
        evaluate(client, keys["analyst"], pay("R-nd", minutes=5, creditor_account=None))
        store = app.state.ctx.store
        since = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
        expected = [
            leg
            for d in decisions_since(store, since)
            if d.decision != "BLOCK"
            for leg in decide._payment_legs(d.payment)
        ]
        got = list(decide._journal_legs(store, since))
        assert got == expected and len(got) == 7
        later = dt.datetime(2026, 3, 1, 10, 2, tzinfo=dt.UTC)
        assert [leg.txn_id for _, leg in decide._journal_legs(store, later)] == ["R2", "R2", "R-nd"]
