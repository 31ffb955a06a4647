from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from cftwatch.errors import InputError
from cftwatch.store import Judgement, OperationalStore
from cftwatch.store.store import to_json_text


def test_latest_judgement_supersedes_older_without_deleting(store: OperationalStore):
    first = store.record_judgement("party:1", "un:QDi.422", "false_match", "alice", "fp-a")
    second = store.record_judgement(
        "party:1", "un:QDi.422", "true_match", "bob", "fp-b", note="confirmed by CNIC"
    )
    store.record_judgement("party:2", "un:QDi.422", "false_match", "alice", "fp-a")

    latest = store.latest_judgements()
    assert set(latest) == {("party:1", "un:QDi.422"), ("party:2", "un:QDi.422")}
    now = latest[("party:1", "un:QDi.422")]
    assert isinstance(now, Judgement)
    assert (now.verdict, now.user, now.entity_fingerprint, now.note) == (
        "true_match",
        "bob",
        "fp-b",
        "confirmed by CNIC",
    )
    assert now.supersedes_id == first.id
    assert now.created_at.tzinfo is not None

    history = store.judgement_history("party:1", "un:QDi.422")
    assert [j.id for j in history] == [first.id, second.id]
    assert history[0].verdict == "false_match"


def test_latest_judgements_filters_by_party(store: OperationalStore):
    store.record_judgement("party:1", "e1", "false_match", "alice", "fp")
    store.record_judgement("party:2", "e1", "true_match", "alice", "fp")
    store.record_judgement("party:3", "e2", "true_match", "alice", "fp")
    got = store.latest_judgements(["party:2", "party:3", "party:9"])
    assert set(got) == {("party:2", "e1"), ("party:3", "e2")}
    assert store.latest_judgements([]) == {}
    many = [f"party:{i}" for i in range(1200)]  # crosses the IN-list chunk size
    assert set(store.latest_judgements(many)) == {
        ("party:1", "e1"),
        ("party:2", "e1"),
        ("party:3", "e2"),
    }


def test_judgement_is_audited_with_before_and_after(store: OperationalStore):
    store.record_judgement("p", "e", "false_match", "alice", "fp1")
    store.record_judgement("p", "e", "true_match", "bob", "fp2", note="محمد")
    entries = store.audit_entries(entity_type="match_judgement", entity_id="p|e")
    assert [e.user for e in entries] == ["alice", "bob"]
    assert entries[0].before is None
    assert json.loads(entries[0].after or "")["verdict"] == "false_match"
    assert json.loads(entries[1].before or "")["verdict"] == "false_match"
    after = json.loads(entries[1].after or "")
    assert after["verdict"] == "true_match"
    assert after["note"] == "محمد"


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("p", "e", "maybe", "alice", "fp"), "verdict"),
        (("", "e", "true_match", "alice", "fp"), "party_key"),
        (("p", "e", "true_match", " ", "fp"), "user"),
        (("p", "e", "true_match", "alice", ""), "entity_fingerprint"),
    ],
)
def test_bad_judgement_is_refused(store: OperationalStore, args, field):
    with pytest.raises(InputError) as err:
        store.record_judgement(*args)
    assert err.value.problems[0].field == field
    assert store.latest_judgements() == {}


def test_audit_json_text_is_byte_stable():
    """Stored audit values keep the bytes the store has always written (sorted keys, UTF-8
    kept, dates ISO, money as decimal text), so existing logs compare equal."""
    value = {"b": dt.date(2026, 1, 31), "a": Decimal("12500.50"), "n": "حافظ", "l": [1, None]}
    assert to_json_text(value) == (
        '{"a": "12500.50", "b": "2026-01-31", "l": [1, null], "n": "حافظ"}'
    )
    assert to_json_text(None) is None
    assert to_json_text("in_review") == '"in_review"'
