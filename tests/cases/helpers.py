"""Small alert tables in the canonical `alerts` schema, built in code."""

from __future__ import annotations

import datetime as dt
import getpass
import itertools
from decimal import Decimal
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs

_counter = itertools.count(1)


def alert(subject_id: str = "acct:1", **overrides: Any) -> dict[str, Any]:
    n = next(_counter)
    row: dict[str, Any] = {
        "alert_id": f"alert-{n:06d}",  # zero-padded: ids sort in creation order
        "run_id": "run-1",
        "source": "monitoring",
        "rule_id": "fan_in",
        "typology": "crowdfunding_fan_in",
        "subject_type": "account",
        "subject_id": subject_id,
        "subject_name": None,
        "window_start": dt.datetime(2025, 1, 10, tzinfo=dt.UTC),
        "window_end": dt.datetime(2025, 1, 12, tzinfo=dt.UTC),
        "severity": "medium",
        "score": 0.7,
        "txn_ids": [f"t{n}a", f"t{n}b"],
        "amount": Decimal("12500.50"),
        "currency": "PKR",
        "params": '{"min_senders": 10}',
        "params_hash": "abc",
        "explanation": "12 senders paid 12,500.50 PKR into the wallet within 3 days",
        "details": None,
        "entity_id": None,
        "created_at": dt.datetime(2025, 1, 13, tzinfo=dt.UTC),
    }
    row.update(overrides)
    return row


def screening_alert(subject_id: str = "party:7", **overrides: Any) -> dict[str, Any]:
    base = {
        "source": "screening",
        "rule_id": "name_match",
        "typology": "sanctions_match",
        "subject_type": "party",
        "severity": "high",
        "score": 0.93,
        "txn_ids": None,
        "entity_id": "un:QDi.422",
        "explanation": "name matched alias 'Hafiz Saeed' (token 0.95, phonetic agrees)",
        "details": '{"features": {"token": 0.95, "phonetic": 1.0}, "entity_fingerprint": "fp1"}',
    }
    base.update(overrides)
    return alert(subject_id, **base)


def alerts_table(*rows: dict[str, Any]) -> pa.Table:
    return cs.conform(pa.Table.from_pylist(list(rows)), cs.ALERTS)


def add_team(store: Any, **roles: str) -> str:
    """Register the OS user running the tests as admin (as `cftwatch users add` would on a
    fresh store) and each `name=role` given; returns the OS user's name."""
    me = getpass.getuser()
    store.add_user(me, "admin", me)
    for name, role in roles.items():
        store.add_user(name, role, me)
    return me
