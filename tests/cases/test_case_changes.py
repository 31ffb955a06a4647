from __future__ import annotations

import datetime as dt

import pytest

from cftwatch.cases import CaseService
from cftwatch.errors import ConflictError, InputError, NotFoundError, WorkflowError
from tests.cases.helpers import alert, alerts_table, screening_alert


@pytest.fixture
def case_id(service: CaseService) -> str:
    (case,) = service.triage(alerts_table(alert("acct:1")), "bot")
    return case.case_id


def test_assign_priority_due(service: CaseService, case_id: str):
    c = service.assign(case_id, "lead", "alice", 1)
    assert (c.assignee, c.version) == ("alice", 2)
    c = service.set_priority(case_id, "lead", "critical", 2)
    assert (c.priority, c.version) == ("critical", 3)
    c = service.set_due(case_id, "lead", dt.date(2026, 1, 31), 3)
    assert (c.due_date, c.version) == (dt.date(2026, 1, 31), 4)
    c = service.assign(case_id, "lead", None, 4)
    assert c.assignee is None
    # no-op change: no new version, no audit row
    n = len(service.history(case_id))
    assert service.assign(case_id, "lead", None, 5).version == 5
    assert len(service.history(case_id)) == n
    with pytest.raises(InputError):
        service.set_priority(case_id, "lead", "urgent", None)
    with pytest.raises(InputError):
        service.assign(case_id, "lead", " ", None)


def test_stale_version_is_a_conflict_and_nothing_is_written(service: CaseService, case_id: str):
    service.assign(case_id, "alice", "alice", 1)
    before = service.get(case_id)
    history = service.history(case_id)
    with pytest.raises(ConflictError) as err:
        service.assign(case_id, "bob", "bob", 1)
    assert err.value.exit_code == 4
    assert "version 2" in str(err.value) and "alice" in str(err.value)
    with pytest.raises(ConflictError):
        service.transition(case_id, "bob", "in_review", "mine", 1)
    with pytest.raises(ConflictError):
        service.note(case_id, "bob", "stale note", expected_version=1)
    assert service.get(case_id) == before
    assert service.history(case_id) == history
    assert service.notes(case_id) == []


def test_notes_and_corrections_supersede(service: CaseService, case_id: str):
    first = service.note(case_id, "alice", "Donor list has 12 names")
    fixed = service.note(case_id, "alice", "Donor list has 21 names", corrects=first.id)
    notes = service.notes(case_id)
    assert [n.text for n in notes] == ["Donor list has 12 names", "Donor list has 21 names"]
    assert notes[0].superseded_by_id == fixed.id
    assert notes[1].supersedes_id == first.id
    bundle = service.case_bundle(case_id)
    assert [n.id for n in bundle.current_notes] == [fixed.id]
    with pytest.raises(WorkflowError, match="already corrected"):
        service.note(case_id, "alice", "again", corrects=first.id)
    with pytest.raises(NotFoundError):
        service.note(case_id, "alice", "x", corrects=9999)
    with pytest.raises(InputError):
        service.note(case_id, "alice", "  ")
    assert service.get(case_id).version == 1  # notes never bump the case version
    urdu = service.note(case_id, "علی", "مشکوک عطیات — ملا عمر")
    assert service.notes(case_id)[-1].text == urdu.text == "مشکوک عطیات — ملا عمر"
    assert service.notes(case_id)[-1].created_by == "علی"


def test_evidence_is_idempotent(service: CaseService, case_id: str):
    e1 = service.add_evidence(case_id, "alice", "document", "kyc/cnic-scan.pdf", explanation="ID")
    e2 = service.add_evidence(case_id, "alice", "document", "kyc/cnic-scan.pdf")
    assert e1.id == e2.id
    added = service.add_transactions(case_id, "alice", [f"x{i}" for i in range(1200)] + ["x1"])
    assert added == 1200
    assert service.add_transactions(case_id, "alice", ["x1", "x2"]) == 0
    bundle = service.case_bundle(case_id)
    assert len(bundle.txn_ids) == 2 + 1200
    with pytest.raises(InputError):
        service.add_evidence(case_id, "alice", "rumour", "x")


def test_decide_match_records_a_reusable_judgement(service: CaseService):
    (case,) = service.triage(alerts_table(screening_alert("party:7")), "bot")
    j = service.decide_match(
        case.case_id, "alice", "party:7", "un:QDi.422", "false_match", "fp1", note="DOB differs"
    )
    assert j.case_id == case.case_id
    latest = service.store.latest_judgements(["party:7"])
    assert latest[("party:7", "un:QDi.422")].verdict == "false_match"
    service.decide_match(case.case_id, "sara", "party:7", "un:QDi.422", "true_match", "fp1")
    latest = service.store.latest_judgements(["party:7"])
    assert latest[("party:7", "un:QDi.422")].user == "sara"
    decisions = [d for d in service.decisions(case.case_id) if d.kind == "match"]
    assert [(d.verdict, d.created_by) for d in decisions] == [
        ("false_match", "alice"),
        ("true_match", "sara"),
    ]
    assert len(service.store.judgement_history("party:7", "un:QDi.422")) == 2
    with pytest.raises(InputError):
        service.decide_match(case.case_id, "a", "party:7", "e", "unsure", "fp")  # type: ignore[arg-type]
    with pytest.raises(NotFoundError):
        service.decide_match("CASE-009999", "a", "party:7", "e", "true_match", "fp")


def test_case_bundle_and_reports(service: CaseService, case_id: str):
    service.note(case_id, "alice", "see donors")
    service.transition(case_id, "alice", "in_review", "start", 1)
    rec = service.store.record_report(
        case_id, "alice", "ab" * 32, "fmu-pk", report_code="STR", path="out/r.xml"
    )
    bundle = service.case_bundle(case_id)
    assert bundle.case.case_id == case_id
    assert bundle.subject.subject_id == "acct:1"
    assert len(bundle.alerts) == 1
    assert [d.to_status for d in bundle.decisions] == ["in_review"]
    assert bundle.reports == [rec]
    assert service.store.reports(case_id) == [rec]
    report_audit = [e for e in service.history(case_id) if e.entity_type == "report"]
    assert len(report_audit) == 1 and report_audit[0].user == "alice"
    with pytest.raises(NotFoundError):
        service.store.record_report("CASE-009999", "alice", "ab" * 32, "fmu-pk")
    assert bundle.to_json()["case"]["case_id"] == case_id
