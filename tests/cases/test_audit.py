"""Audit completeness: the log alone tells who changed what, when, from what to what."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from cftwatch.cases import CaseService
from tests.cases.helpers import alert, alerts_table, screening_alert


def _work_a_case(service: CaseService) -> str:
    (case,) = service.triage(
        alerts_table(alert("acct:1"), screening_alert("acct:1", subject_type="account")), "bot"
    )
    cid = case.case_id
    v = service.assign(cid, "lead", "alice", 1).version
    v = service.set_priority(cid, "lead", "critical", v).version
    v = service.set_due(cid, "lead", dt.date(2026, 2, 1), v).version
    n = service.note(cid, "alice", "first look")
    service.note(cid, "alice", "first look, corrected", corrects=n.id)
    v = service.transition(cid, "alice", "in_review", "reviewing", v).version
    service.decide_match(cid, "alice", "acct:1", "un:QDi.422", "true_match", "fp1")
    service.add_evidence(cid, "alice", "document", "kyc.pdf")
    v = service.transition(cid, "alice", "escalated", "strong match", v).version
    v = service.transition(cid, "sara", "reported", "STR filed", v).version
    service.reopen(cid, "sara", "FIU asked for more", v)
    service.triage(alerts_table(alert("acct:1", severity="low")), "bot")
    return cid


def test_every_entry_says_who_when_what(service: CaseService):
    cid = _work_a_case(service)
    entries = service.history(cid)
    assert entries, "no audit at all"
    ids = [e.id for e in entries]
    assert ids == sorted(ids)
    for e in entries:
        assert e.user and e.at.tzinfo is not None and e.action and e.entity_type and e.entity_id
        assert e.case_id == cid
        assert e.after is not None, e  # every change says what it became
        json.loads(e.after)
        if e.before is not None:
            json.loads(e.before)
    kinds = {(e.entity_type, e.action) for e in entries}
    assert kinds >= {
        ("case", "create"),
        ("case", "update"),
        ("case", "transition"),
        ("case", "reopen"),
        ("case_alert", "add"),
        ("evidence", "add"),
        ("note", "add"),
        ("note", "correct"),
        ("decision", "decide"),
        ("decision", "reopen"),
        ("match_judgement", "judge"),
    }
    users = {e.user for e in entries}
    assert users == {"bot", "lead", "alice", "sara"}


def test_case_state_can_be_rebuilt_from_the_log(service: CaseService):
    """Replaying the case entries (create, then each field's before → after) gives the
    current row: no change escaped the log, and each `before` is the previous `after`."""
    cid = _work_a_case(service)
    state: dict = {}
    for e in service.history(cid):
        if e.entity_type != "case":
            continue
        if e.action == "create":
            state = json.loads(e.after or "{}")
            continue
        assert e.field is not None
        before = None if e.before is None else json.loads(e.before)
        assert state.get(e.field) == before, (e.field, state.get(e.field), before)
        state[e.field] = None if e.after is None else json.loads(e.after)
    current = service.get(cid).to_json()
    for field in ("status", "priority", "assignee", "due_date", "version", "subject_id"):
        assert state[field] == current[field], field


def test_note_correction_keeps_both_texts_in_the_log(service: CaseService):
    cid = _work_a_case(service)
    (correction,) = [e for e in service.history(cid) if e.action == "correct"]
    assert json.loads(correction.before or "")["text"] == "first look"
    assert json.loads(correction.after or "")["text"] == "first look, corrected"


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET user = 'mallory'", "DELETE FROM audit_log"],
)
def test_audit_log_refuses_update_and_delete(service: CaseService, statement):
    cid = _work_a_case(service)
    before = service.history(cid)
    store = service.store
    quoted = statement.replace(
        "user =", f"{store.engine.dialect.identifier_preparer.quote('user')} ="
    )
    with pytest.raises(sa.exc.DBAPIError, match="append-only"), store.engine.begin() as conn:
        conn.execute(sa.text(quoted))
    assert service.history(cid) == before
