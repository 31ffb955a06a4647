"""The case API beyond `CaseService`'s methods: the workspace alerts triage reads (a
parameterised query), the match keys a verdict needs, and records read from rows."""

from __future__ import annotations

import pytest

from cftwatch.cases import (
    STATUSES,
    CaseService,
    Evidence,
    alerts_to_triage,
    match_keys,
)
from cftwatch.errors import InputError
from cftwatch.store import CASE_STATUSES
from cftwatch.workspace import Workspace
from tests.cases.helpers import alert, alerts_table, screening_alert


def test_alerts_to_triage_filters_by_parameters(workspace: Workspace):
    workspace.append(
        "alerts",
        alerts_table(
            alert("acct:1", severity="high"),
            alert("acct:2", severity="low"),
            screening_alert("party:7", source="o'brien"),  # a quote is data, not SQL
        ),
    )
    assert alerts_to_triage(workspace).num_rows == 3
    high = alerts_to_triage(workspace, "medium")
    assert sorted(high.column("subject_id").to_pylist()) == ["acct:1", "party:7"]
    quoted = alerts_to_triage(workspace, source="o'brien")
    assert quoted.column("subject_id").to_pylist() == ["party:7"]
    assert alerts_to_triage(workspace, source="x' OR '1'='1").num_rows == 0
    with pytest.raises(InputError):
        alerts_to_triage(workspace, "urgent")


def test_match_keys_from_the_evidence(service: CaseService):
    cases = service.triage(
        alerts_table(
            screening_alert("party:7"),
            screening_alert(
                "party:8",
                entity_id="un:QDi.9",
                details='{"party_key": "cust-8", "entity_fingerprint": "fp9"}',
            ),
        ),
        "bot",
    )
    first, second = (c.case_id for c in cases)
    # party defaults to the alert's subject; the fingerprint comes from its details JSON
    assert service.match_keys(first, "un:QDi.422") == ("party:7", "fp1")
    assert service.match_keys(second, "un:QDi.9") == ("cust-8", "fp9")
    assert service.match_keys(first, "un:QDi.422", "p", "f") == ("p", "f")
    with pytest.raises(InputError):
        service.match_keys(first, "un:QDi.1")  # no such match on the case
    with pytest.raises(InputError):
        service.match_keys(first, "un:QDi.1", party_key="p")  # and no fingerprint


def test_match_keys_is_a_function_of_the_evidence(service: CaseService):
    (case,) = service.triage(alerts_table(screening_alert("party:7")), "bot")
    found: list[Evidence] = service.evidence(case.case_id)
    assert match_keys(found, "un:QDi.422") == ("party:7", "fp1")


def test_records_read_from_rows_carry_the_case_label(service: CaseService):
    (case,) = service.triage(alerts_table(alert("acct:1"), alert("acct:1")), "bot")
    assert case.case_id == "CASE-000001" and case.alert_count == 2
    bundle = service.case_bundle(1)
    assert {a.case_id for a in bundle.alerts} == {"CASE-000001"}
    assert {e.case_id for e in bundle.evidence} == {"CASE-000001"}
    note = service.note(1, "alice", "seen")
    fixed = service.note(1, "alice", "seen twice", corrects=note.id)
    assert [(n.id, n.superseded_by_id) for n in service.notes(1)] == [
        (note.id, fixed.id),
        (fixed.id, None),
    ]


def test_the_workflow_and_the_database_accept_the_same_statuses():
    assert STATUSES == CASE_STATUSES
