"""Random walks over the workflow: each attempted move succeeds exactly when the table
allows it, and the audit log replays to the case's final state."""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cftwatch.cases import STATUSES, TERMINAL_STATUSES, TRANSITIONS, CaseService
from cftwatch.errors import WorkflowError
from tests.cases.helpers import alert, alerts_table

_SUBJECTS = itertools.count()  # a fresh subject, so a fresh case, per example
MOVES = st.lists(st.sampled_from([*STATUSES, "reopen"]), min_size=1, max_size=8)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(moves=MOVES)
def test_random_walk_follows_the_table(service: CaseService, moves: list[str]):
    (case,) = service.triage(alerts_table(alert(f"walk:{next(_SUBJECTS)}")), "bot")
    status, version = "new", case.version
    for move in moves:
        if move == "reopen":
            allowed = status in TERMINAL_STATUSES
            target = "in_review"
        else:
            allowed = move in TRANSITIONS[status]
            target = move
        try:
            if move == "reopen":
                result = service.reopen(case.case_id, "u", "walk", version)
            else:
                who = "s" if status == "escalated" else "u"  # four eyes on escalated cases
                result = service.transition(case.case_id, who, move, "walk", version)
        except WorkflowError:
            assert not allowed, (status, move)
            continue
        assert allowed, (status, move)
        assert result.status == target and result.version == version + 1
        status, version = target, result.version
    # the status history in the log replays to the final status
    replayed = "new"
    for e in service.history(case.case_id):
        if e.entity_type == "case" and e.field == "status":
            assert json.loads(e.before or "null") == replayed
            replayed = json.loads(e.after or "null")
    assert replayed == status == service.get(case.case_id).status
