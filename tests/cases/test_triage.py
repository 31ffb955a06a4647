from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest

from cftwatch import schema as cs
from cftwatch.cases import CaseService
from cftwatch.errors import InputError, NotFoundError
from tests.cases.helpers import alert, alerts_table, screening_alert


def test_alerts_grouped_by_subject_into_new_cases(service: CaseService):
    a1, a2 = alert("acct:1"), alert("acct:1", severity="high")
    a3 = alert("acct:2", severity="low")
    cases = service.triage(alerts_table(a1, a2, a3), "triage-bot")
    assert [(c.subject_id, c.alert_count, c.status, c.priority) for c in cases] == [
        ("acct:1", 2, "new", "high"),
        ("acct:2", 1, "new", "low"),
    ]
    first = cases[0]
    assert first.created_by == "triage-bot"
    assert first.version == 1
    assert first.due_date == first.created_at.date() + dt.timedelta(days=3)
    alerts = service.alerts(first.case_id)
    assert [a.alert_id for a in alerts] == [a1["alert_id"], a2["alert_id"]]
    snap = alerts[0].snapshot
    assert snap["amount"] == "12500.50000000"
    assert snap["txn_ids"] == a1["txn_ids"]
    assert snap["window_start"].startswith("2025-01-10T00:00:00")
    bundle = service.case_bundle(first.case_id)
    assert bundle.txn_ids == a1["txn_ids"] + a2["txn_ids"]


def test_triage_is_idempotent_and_new_alerts_join_the_open_case(service: CaseService):
    a1 = alert("acct:1")
    (case,) = service.triage(alerts_table(a1), "bot")
    assert service.triage(alerts_table(a1), "bot") == []  # nothing new
    history_len = len(service.history(case.case_id))

    a2 = alert("acct:1", severity="critical", txn_ids=[a1["txn_ids"][0], "t-new"])
    (same,) = service.triage(alerts_table(a1, a2), "bot")
    assert same.case_id == case.case_id
    assert same.alert_count == 2
    assert same.priority == "critical"  # raised by the more severe alert
    assert same.version == case.version + 1
    # the shared transaction is evidence once
    assert service.case_bundle(case.case_id).txn_ids == [*a1["txn_ids"], "t-new"]
    assert len(service.list()) == 1
    new_entries = service.history(case.case_id)[history_len:]
    assert {(e.entity_type, e.action, e.field) for e in new_entries} >= {
        ("case_alert", "add", None),
        ("case", "update", "priority"),
        ("evidence", "add", None),
    }


def test_closed_subject_gets_a_new_case(service: CaseService):
    (case,) = service.triage(alerts_table(alert("acct:9")), "bot")
    service.transition(case.case_id, "alice", "closed_no_action", "false positive", 1)
    (again,) = service.triage(alerts_table(alert("acct:9")), "bot")
    assert again.case_id != case.case_id
    assert again.status == "new"


def test_screening_match_becomes_evidence_with_its_explanation(service: CaseService):
    a = screening_alert("party:7", subject_name="حافظ محمد سعید")
    (case,) = service.triage(alerts_table(a), "bot")
    assert case.subject_name == "حافظ محمد سعید"
    assert case.title.startswith("حافظ محمد سعید")
    (match,) = service.case_bundle(case.case_id).screening_matches
    assert match.ref == "un:QDi.422"
    assert match.explanation == a["explanation"]
    assert match.detail is not None
    assert match.detail["details"]["features"]["token"] == 0.95
    assert match.detail["subject_id"] == "party:7"
    assert service.case_bundle(case.case_id).txn_ids == []


def test_triage_refuses_alerts_without_required_columns(service: CaseService):
    with pytest.raises(InputError) as err:
        service.triage(pa.table({"alert_id": ["a"]}), "bot")
    assert {p.field for p in err.value.problems} >= {"subject_id", "subject_type"}
    bad = alert("")
    with pytest.raises(InputError) as err2:
        service.triage(alerts_table(bad), "bot")
    assert err2.value.problems[0].field == "subject_id"
    assert err2.value.problems[0].record == 1
    assert service.list() == []


def test_triage_needs_a_user(service: CaseService):
    with pytest.raises(InputError):
        service.triage(alerts_table(alert()), "")


def test_list_filters(service: CaseService):
    c1, c2 = service.triage(alerts_table(alert("a"), alert("b")), "bot")
    service.assign(c1.case_id, "lead", "alice", 1)
    service.transition(c2.case_id, "bob", "in_review", "looking", 1)
    assert [c.case_id for c in service.list(assignee="alice")] == [c1.case_id]
    assert [c.case_id for c in service.list(status="in_review")] == [c2.case_id]
    assert [c.case_id for c in service.list()] == [c2.case_id, c1.case_id]  # newest first
    with pytest.raises(InputError):
        service.list(status="bogus")


def test_triage_strongest_opens_the_worst_subject(service: CaseService):
    weak = alert("acct:1", severity="medium", score=0.99)
    strong = alert("acct:2", severity="critical", score=0.5)
    same_subject = alert("acct:2", severity="low", score=float("nan"))
    case = service.triage_strongest(alerts_table(weak, strong, same_subject), "demo")
    assert (case.subject_id, case.alert_count, case.priority) == ("acct:2", 2, "critical")
    assert [c.subject_id for c in service.list()] == ["acct:2"]
    nan_alert = next(
        a for a in service.alerts(case.case_id) if a.alert_id == same_subject["alert_id"]
    )
    assert nan_alert.score is None and nan_alert.snapshot["score"] is None
    again = service.triage_strongest(alerts_table(weak, strong, same_subject), "demo")
    assert again.case_id == case.case_id  # idempotent
    with pytest.raises(NotFoundError):
        service.triage_strongest(cs.empty(cs.ALERTS), "demo")


def test_triage_strongest_breaks_ties_by_evidence_then_id(service: CaseService):
    name_hit = alert("party:1", severity="critical", score=0.95, txn_ids=[])
    payments = alert("acct:9", severity="critical", score=0.95, txn_ids=["t1", "t2", "t3"])
    case = service.triage_strongest(alerts_table(name_hit, payments), "demo")
    assert case.subject_id == "acct:9"  # the tie with transactions to report wins
    first = alert("acct:3", severity="high", score=0.9)
    second = alert("acct:4", severity="high", score=0.9)
    for order in ((first, second), (second, first)):  # same pick whatever the row order
        assert service.triage_strongest(alerts_table(*order), "demo").subject_id == "acct:4"
