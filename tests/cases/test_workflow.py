from __future__ import annotations

import itertools

import pytest

from cftwatch.cases import STATUSES, TRANSITIONS, CaseService
from cftwatch.errors import InputError, NotFoundError, WorkflowError
from tests.cases.helpers import alert, alerts_table

# How to reach each status from `new`, using allowed transitions only.
PATH = {
    "new": [],
    "in_review": ["in_review"],
    "escalated": ["in_review", "escalated"],
    "reported": ["in_review", "escalated", "reported"],
    "closed_no_action": ["closed_no_action"],
}


def _case_in(service: CaseService, status: str) -> str:
    (case,) = service.triage(alerts_table(alert()), "triage-bot")
    for step in PATH[status]:
        who = "sara" if step == "reported" else "alice"  # four eyes: not who escalated
        case = service.transition(case.case_id, who, step, f"to {step}", case.version)
    assert case.status == status
    return case.case_id


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        (a, b)
        for a, b in itertools.product(STATUSES, STATUSES)
        if b in TRANSITIONS[a]  # every allowed transition
    ],
)
def test_allowed_transition(service: CaseService, from_status, to_status):
    case_id = _case_in(service, from_status)
    before = service.get(case_id)
    after = service.transition(case_id, "sam", to_status, "reviewed the evidence", before.version)
    assert after.status == to_status
    assert after.version == before.version + 1
    assert after.updated_by == "sam"
    last = service.decisions(case_id)[-1]
    assert (last.kind, last.from_status, last.to_status, last.reason, last.created_by) == (
        "status",
        from_status,
        to_status,
        "reviewed the evidence",
        "sam",
    )


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        (a, b)
        for a, b in itertools.product(STATUSES, STATUSES)
        if b not in TRANSITIONS[a]  # every refused transition, staying put included
    ],
)
def test_refused_transition_changes_nothing(service: CaseService, from_status, to_status):
    case_id = _case_in(service, from_status)
    before = service.get(case_id)
    history_before = service.history(case_id)
    with pytest.raises(WorkflowError) as err:
        service.transition(case_id, "sam", to_status, "try", before.version)
    assert case_id in str(err.value)
    assert service.get(case_id) == before
    assert service.history(case_id) == history_before
    assert err.value.exit_code == 2


def test_terminal_statuses_have_no_way_out_but_reopen(service: CaseService):
    for status in ("reported", "closed_no_action"):
        case_id = _case_in(service, status)
        with pytest.raises(WorkflowError, match="reopen"):
            service.transition(case_id, "sam", "in_review", "again", None)
        case = service.reopen(case_id, "supervisor", "new information from the FIU", None)
        assert case.status == "in_review"
        reopen = service.decisions(case_id)[-1]
        assert (reopen.from_status, reopen.to_status) == (status, "in_review")
        # the earlier decision stays on record
        assert any(d.to_status == status for d in service.decisions(case_id))


def test_reopen_of_an_open_case_is_refused(service: CaseService):
    case_id = _case_in(service, "in_review")
    with pytest.raises(WorkflowError, match="nothing to reopen"):
        service.reopen(case_id, "supervisor", "why", None)


def test_supervisor_transitions_need_a_supervisor(store):
    store.add_user("sara", "supervisor", "admin")
    for analyst in ("alice", "triage-bot"):
        store.add_user(analyst, "analyst", "admin")
    service = CaseService(store)
    case_id = _case_in(service, "escalated")
    with pytest.raises(WorkflowError, match="supervisor"):
        service.transition(case_id, "alice", "reported", "file it", None)
    assert service.get(case_id).status == "escalated"
    assert service.transition(case_id, "sara", "reported", "file it", None).status == "reported"
    with pytest.raises(WorkflowError, match="supervisor"):
        service.reopen(case_id, "alice", "more", None)
    assert service.reopen(case_id, "sara", "more", None).status == "in_review"


@pytest.mark.parametrize(
    ("to_status", "reason", "field"),
    [("in_review", "", "reason"), ("in_review", "   ", "reason"), ("archived", "x", "status")],
)
def test_bad_transition_input(service: CaseService, to_status, reason, field):
    case_id = _case_in(service, "new")
    with pytest.raises(InputError) as err:
        service.transition(case_id, "sam", to_status, reason, None)
    assert err.value.problems[0].field == field


def test_unknown_case(service: CaseService):
    with pytest.raises(NotFoundError):
        service.transition("CASE-000999", "sam", "in_review", "x", None)
    with pytest.raises(NotFoundError):
        service.get("not-a-case")
