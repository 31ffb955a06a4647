"""The app wires the operational store into screening: verdicts recorded through the app
are the ones screening runs honour."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from cftwatch import schema as S
from cftwatch.app.screening import (
    judge,
    judgement_store,
    rescreen_on_list_change,
    screen_parties,
    screen_workspace,
)
from cftwatch.errors import InputError, NotFoundError
from cftwatch.lists import ParsedList
from cftwatch.lists.store import store_parsed
from cftwatch.workspace import Workspace

ENTITY = {
    "entity_id": "un:QDi.001",
    "schema": "Person",
    "primary_name": "Abdul Rehman Makki",
    "names": [{"name": "Abdul Rehman Makki", "quality": "strong", "name_type": "primary"}],
    "list_id": "un",
    "list_ref": "QDi.001",
}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.init(tmp_path / "ws")
    rows = [{c: ENTITY.get(c) for c in S.LIST_ENTITIES.names}]
    store_parsed(workspace, ParsedList("un", pa.Table.from_pylist(rows, schema=S.LIST_ENTITIES)))
    party = {"party_id": "P3", "name": "Abdul Rehman Makki", "kind": "person"}
    parties = [{c: party.get(c) for c in S.PARTIES.names}]
    workspace.append("parties", pa.Table.from_pylist(parties, schema=S.PARTIES))
    return workspace


def test_a_verdict_recorded_through_the_app_suppresses_the_pair(ws: Workspace) -> None:
    recorded = judge(ws, "P3", "un:QDi.001", "false_match", "analyst1", "a namesake")
    assert (recorded.party_key, recorded.entity_id, recorded.verdict) == (
        "P3",
        "un:QDi.001",
        "false_match",
    )
    stored = judgement_store(ws).latest_judgements(["P3"])
    assert stored[("P3", "un:QDi.001")].user == "analyst1"
    counts = screen_parties(ws)
    assert counts["suppressed"] == 1 and counts["alerts"] == 0
    assert rescreen_on_list_change(ws) == {"changed": 0, "removed": 0, "closed": 0}


def test_verdicts_are_checked(ws: Workspace) -> None:
    with pytest.raises(InputError):
        judge(ws, "P3", "un:QDi.001", "maybe", "analyst1")
    with pytest.raises(NotFoundError):
        judge(ws, "P3", "un:QDi.999", "false_match", "analyst1")


def test_screen_workspace_runs_what_is_asked_in_order(ws: Workspace) -> None:
    assert screen_workspace(ws) == {}
    summary = screen_workspace(ws, parties=True, rescreen=True)
    assert list(summary) == ["parties", "rescreen"]
    assert summary["parties"]["alerts"] == 1
    assert screen_workspace(ws, transactions=True) == {
        "transactions": {"counterparties": 0, "accounts": 0, "alerts": 0}
    }
