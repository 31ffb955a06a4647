"""Roles from the store's users table on every change, and four eyes on `reported`."""

from __future__ import annotations

import pytest

from cftwatch.cases import CaseService
from cftwatch.errors import InputError, WorkflowError
from cftwatch.store import AccessDenied, OperationalStore
from tests.cases.helpers import add_team, alert, alerts_table


@pytest.fixture
def team(store: OperationalStore) -> CaseService:
    add_team(store, alice="analyst", sara="supervisor", sam="supervisor")
    return CaseService(store)


def _escalated(service: CaseService, by: str) -> str:
    (case,) = service.triage(alerts_table(alert()), "alice")
    service.transition(case.case_id, "alice", "in_review", "look", None)
    return service.transition(case.case_id, by, "escalated", "suspicious", None).case_id


def test_four_eyes_the_escalating_user_cannot_report(team: CaseService):
    case_id = _escalated(team, "sara")
    before = team.get(case_id)
    with pytest.raises(WorkflowError, match="four eyes: sara escalated"):
        team.transition(case_id, "sara", "reported", "file it", None)
    assert team.get(case_id) == before
    assert team.transition(case_id, "sam", "reported", "file it", None).status == "reported"


def test_four_eyes_apply_in_setup_mode_too(service: CaseService):
    (case,) = service.triage(alerts_table(alert()), "u")
    service.transition(case.case_id, "u", "in_review", "look", None)
    service.transition(case.case_id, "u", "escalated", "suspicious", None)
    with pytest.raises(WorkflowError, match="four eyes"):
        service.transition(case.case_id, "u", "reported", "file it", None)


def test_an_analyst_cannot_make_supervisor_decisions(team: CaseService):
    case_id = _escalated(team, "alice")
    with pytest.raises(AccessDenied, match="alice is analyst"):
        team.transition(case_id, "alice", "closed_no_action", "fine", None)
    with pytest.raises(AccessDenied):
        team.transition(case_id, "alice", "reported", "file it", None)


@pytest.mark.parametrize(
    "action",
    [
        lambda s, c: s.note(c, "mallory", "hello"),
        lambda s, c: s.assign(c, "mallory", "alice", None),
        lambda s, c: s.set_priority(c, "mallory", "low", None),
        lambda s, c: s.add_evidence(c, "mallory", "document", "x.pdf"),
        lambda s, c: s.transition(c, "mallory", "in_review", "x", None),
    ],
)
def test_a_user_not_in_the_table_may_change_nothing(team: CaseService, action):
    (case,) = team.triage(alerts_table(alert()), "alice")
    history = team.history(case.case_id)
    with pytest.raises(AccessDenied, match="mallory is not a user"):
        action(team, case.case_id)
    assert team.history(case.case_id) == history


def test_assignee_names_are_validated(team: CaseService):
    (case,) = team.triage(alerts_table(alert()), "alice")
    with pytest.raises(InputError, match="not a valid user name"):
        team.assign(case.case_id, "alice", "[/x]\x1b[31m", None)
