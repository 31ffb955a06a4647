from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import ENTITIES, entity, store_entities
from typer.testing import CliRunner

from cftwatch import schema as S
from cftwatch.cli import app
from cftwatch.screening import (
    JudgementStore,
    judge,
    rescreen_on_list_change,
    screen_parties,
    screen_transactions,
)
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace


def _parties() -> pa.Table:
    rows = [
        {"party_id": "P1", "name": "Muhammad Masud Azhar", "kind": "person"},
        {"party_id": "P2", "name": "Ayesha Bibi", "kind": "person"},
        {"party_id": "P3", "name": "Abdul Rehman Makki", "kind": "person"},
    ]
    full = [{c: r.get(c) for c in S.PARTIES.names} for r in rows]
    return pa.Table.from_pylist(full, schema=S.PARTIES)


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    workspace = Workspace.init(tmp_path / "ws")
    store_entities(workspace, ENTITIES)
    workspace.append("parties", _parties())
    return workspace


@pytest.fixture
def judgements(ws: Workspace) -> JudgementStore:
    return OperationalStore.for_workspace(ws)


def _alerts(ws: Workspace) -> list[dict]:
    return ws.read("alerts").to_pylist()


def test_screen_parties_writes_alerts_once(ws: Workspace, judgements: JudgementStore) -> None:
    first = screen_parties(ws, judgements=judgements)
    assert first["alerts"] == 2
    again = screen_parties(ws, judgements=judgements)
    assert again["alerts"] == 0 and len(_alerts(ws)) == 2
    alert = next(a for a in _alerts(ws) if a["subject_id"] == "P1")
    assert alert["entity_id"] == "un:QDi.422" and alert["rule_id"] == "screening.name"
    assert alert["typology"] == "sanctions_match" and alert["source"] == "screening"
    assert json.loads(alert["details"])["features"][0]["feature"] == "name"


def test_false_match_is_suppressed_until_entry_changes(
    ws: Workspace, judgements: JudgementStore
) -> None:
    judge(ws, "P3", "un:QDi.001", "false_match", "analyst1", judgements=judgements)
    counts = screen_parties(ws, judgements=judgements)
    assert counts["suppressed"] == 1
    assert {a["subject_id"] for a in _alerts(ws)} == {"P1"}
    # the listed entry changes: the old judgement no longer applies
    changed = [dict(e) for e in ENTITIES if e["entity_id"] != "un:QDi.001"]
    changed.append(
        entity("un", "QDi.001", ["Abdul Rehman Makki", "Abdul Rahman Makki"], source_version="v2")
    )
    store_entities(ws, changed)  # a new snapshot of each list supersedes the active one
    result = rescreen_on_list_change(ws, judgements=judgements)
    assert result["changed"] == 1
    assert "P3" in {a["subject_id"] for a in _alerts(ws)}


def test_removed_entry_closes_open_hits(ws: Workspace, judgements: JudgementStore) -> None:
    screen_parties(ws, judgements=judgements)
    remaining = [e for e in ENTITIES if e["entity_id"] != "un:QDi.422"]
    store_entities(ws, [e for e in remaining if e["list_id"] == "un"])  # supersedes `un` only
    result = rescreen_on_list_change(ws, judgements=judgements)
    assert result["removed"] == 1 and result["closed"] == 1
    statuses = ws.query(
        "SELECT status FROM screening_hits WHERE entity_id = 'un:QDi.422' ORDER BY recorded_at"
    )
    assert [s[0] for s in statuses] == ["open", "closed"]


def test_screen_transactions_dedupes_counterparties(ws: Workspace) -> None:
    ts = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    rows = [
        {
            "txn_id": f"T{i}",
            "ts": ts,
            "amount": Decimal("100"),
            "currency": "PKR",
            "channel": "wallet",
            "debtor_id": f"D{i}",
            "debtor_name": "Ali Raza",
            "creditor_id": "C1",
            "creditor_name": "Al Rashid Trust",
            "creditor_account": "W1",
            "narrative": "zakat for Jaish e Mohammad" if i == 0 else "rent",
            "source_format": "test",
            "source_ref": "t",
            "load_id": "L1",
        }
        for i in range(3)
    ]
    full = [{c: r.get(c) for c in S.TRANSACTIONS.names} for r in rows]
    ws.append("transactions", S.conform(pa.Table.from_pylist(full), S.TRANSACTIONS))
    counts = screen_transactions(ws)
    assert counts["counterparties"] == 2
    alerts = _alerts(ws)
    trust = [a for a in alerts if a["rule_id"] == "screening.name"]
    assert len(trust) == 1 and sorted(trust[0]["txn_ids"]) == ["T0", "T1", "T2"]
    assert any(a["rule_id"] == "screening.narrative" and a["subject_id"] == "T0" for a in alerts)
    assert screen_transactions(ws)["alerts"] == 0


def test_cli_json_and_table(ws: Workspace, tmp_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["screen", "Masood Azhar", "-w", str(ws.path), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout.strip().splitlines()[0])
    assert out["query"] == "Masood Azhar"
    assert out["results"][0]["entity_id"] == "un:QDi.422"
    assert set(out["results"][0]) == {
        "entity_id",
        "list",
        "list_ref",
        "matched_name",
        "score",
        "explanation",
    }
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("full_name,dob\nJaish e Mohammad,\nAyesha Bibi,\n", "utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: full_name\nbirth_date: dob\n", "utf-8")
    res = runner.invoke(
        app,
        [
            "screen",
            "--file",
            str(csv_file),
            "--mapping",
            str(mapping),
            "-w",
            str(ws.path),
            "--json",
        ],
    )
    lines = [json.loads(x) for x in res.stdout.strip().splitlines()]
    assert [len(x["results"]) for x in lines] == [1, 0]
    res = runner.invoke(app, ["screen", "Masood Azhar", "-w", str(ws.path)])
    assert res.exit_code == 0 and "QDi.422" in res.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("nom: x\n", "utf-8")
    res = runner.invoke(
        app, ["screen", "--file", str(csv_file), "--mapping", str(bad), "-w", str(ws.path)]
    )
    assert res.exit_code == 2
    res = runner.invoke(
        app,
        [
            "screen-judge",
            "P1",
            "un:QDi.422",
            "--verdict",
            "true_match",  # recorded as the OS user: --user is for admins only
            "-w",
            str(ws.path),
            "--json",
        ],
    )
    assert res.exit_code == 0 and json.loads(res.stdout)["verdict"] == "true_match"
