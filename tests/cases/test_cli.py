"""`cftwatch cases ...` end to end on a real workspace (SQLite store)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.cli._app import console
from cftwatch.store import OperationalStore
from cftwatch.workspace import Workspace
from tests.cases.helpers import add_team, alert, alerts_table, screening_alert

runner = CliRunner()


@pytest.fixture
def ws_path(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    monkeypatch.setenv("CFTWATCH_USER", "alice")  # the OS user is admin: may act as alice
    monkeypatch.setattr(console, "width", 200)  # no wrapping in the tables
    path = tmp_path / "ws"
    with Workspace.init(path) as ws:
        ws.append(
            "alerts",
            alerts_table(
                alert("acct:1", severity="high", subject_name="Al-Noor Welfare Trust"),
                alert("acct:1"),
                screening_alert("party:7", subject_name="حافظ محمد سعید"),
                alert("acct:3", severity="low"),
            ),
        )
        with OperationalStore.for_workspace(ws) as store:
            add_team(store, alice="analyst", bot="analyst", **{"علی": "analyst"}, sara="supervisor")
    return path


def cli(ws: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["cases", *args, "--workspace", str(ws)])
    return result.exit_code, result.stdout


def test_triage_list_show(ws_path: Path):
    code, out = cli(ws_path, "triage", "--min-severity", "medium", "--json")
    assert code == 0, out
    cases = json.loads(out)
    assert [(c["subject_id"], c["alert_count"]) for c in cases] == [("acct:1", 2), ("party:7", 1)]
    assert all(c["created_by"] == "alice" for c in cases)
    code, out = cli(ws_path, "triage", "--json", "--user", "bot")
    assert code == 0 and [c["subject_id"] for c in json.loads(out)] == ["acct:3"]
    code, out = cli(ws_path, "triage", "--json")
    assert code == 0 and json.loads(out) == []  # idempotent

    code, out = cli(ws_path, "list", "--json")
    assert code == 0 and len(json.loads(out)) == 3
    code, out = cli(ws_path, "list")
    assert code == 0 and "CASE-000001" in out
    code, out = cli(ws_path, "show", "CASE-000002", "--json")
    bundle = json.loads(out)
    assert bundle["subject"]["subject_name"] == "حافظ محمد سعید"
    assert bundle["screening_matches"][0]["ref"] == "un:QDi.422"
    code, out = cli(ws_path, "show", "1")
    assert code == 0 and "Al-Noor Welfare Trust" in out and "Alerts" in out


def test_work_a_case_and_read_its_history(ws_path: Path):
    cli(ws_path, "triage")
    assert cli(ws_path, "assign", "1", "bob")[0] == 0
    code, out = cli(ws_path, "decide", "1", "--to", "in_review", "--reason", "looking", "--json")
    assert code == 0 and json.loads(out)["status"] == "in_review"
    code, _ = cli(ws_path, "decide", "1", "--to", "reported", "--reason", "skip ahead")
    assert code == 2  # WorkflowError
    code, _ = cli(ws_path, "decide", "1", "--to", "escalated", "--reason", "x", "--version", "1")
    assert code == 4  # ConflictError: the case is at version 3
    assert cli(ws_path, "note", "1", "تفتیش جاری ہے", "--user", "علی")[0] == 0
    code, out = cli(ws_path, "note", "1", "corrected text", "--corrects", "1", "--json")
    assert code == 0 and json.loads(out)["supersedes_id"] == 1
    assert cli(ws_path, "priority", "1", "critical")[0] == 0
    assert cli(ws_path, "due", "1", "2026-03-01")[0] == 0
    assert cli(ws_path, "due", "1", "someday")[0] == 2
    assert cli(ws_path, "evidence", "1", "document", "kyc/cnic.pdf")[0] == 0

    code, out = cli(ws_path, "history", "CASE-000001", "--json")
    assert code == 0
    entries = json.loads(out)
    changes = [
        (e["user"], e["field"], e["before"], e["after"])
        for e in entries
        if e["entity_type"] == "case"
    ]
    assert ("alice", "assignee", None, '"bob"') in changes
    assert ("alice", "status", '"new"', '"in_review"') in changes
    assert ("alice", "priority", '"high"', '"critical"') in changes
    notes = [e for e in entries if e["entity_type"] == "note"]
    assert notes[0]["user"] == "علی" and "تفتیش جاری ہے" in notes[0]["after"]
    code, out = cli(ws_path, "history", "1")
    assert code == 0 and "History of CASE-000001" in out


def test_match_decision_from_the_cli(ws_path: Path):
    cli(ws_path, "triage")
    code, out = cli(
        ws_path,
        "decide",
        "2",
        "--match",
        "un:QDi.422",
        "--verdict",
        "false_match",
        "--reason",
        "DOB differs",
        "--json",
    )
    assert code == 0, out
    j = json.loads(out)
    # party key defaults to the subject, fingerprint comes from the alert's details
    assert (j["party_key"], j["entity_fingerprint"], j["verdict"]) == (
        "party:7",
        "fp1",
        "false_match",
    )
    code, _ = cli(ws_path, "decide", "2", "--match", "un:QDi.422", "--verdict", "maybe")
    assert code == 2
    code, _ = cli(ws_path, "decide", "1", "--match", "un:QDi.1", "--verdict", "true_match")
    assert code == 2  # no such match on the case and no --party/--fingerprint
    code, _ = cli(ws_path, "decide", "2")
    assert code == 2  # neither --to nor --match


def test_supervisors_and_reopen(ws_path: Path):
    cli(ws_path, "triage")
    cli(ws_path, "decide", "1", "--to", "in_review", "--reason", "a")
    cli(ws_path, "decide", "1", "--to", "escalated", "--reason", "b")
    assert cli(ws_path, "decide", "1", "--to", "reported", "--reason", "c")[0] == 2
    assert cli(ws_path, "decide", "1", "--to", "reported", "--reason", "c", "-u", "sara")[0] == 0
    assert cli(ws_path, "reopen", "1", "--reason", "FIU query", "-u", "alice")[0] == 2
    code, out = cli(ws_path, "reopen", "1", "--reason", "FIU query", "-u", "sara", "--json")
    assert code == 0 and json.loads(out)["status"] == "in_review"


def test_errors_are_one_line_not_tracebacks(ws_path: Path, tmp_path: Path):
    result = runner.invoke(app, ["cases", "show", "CASE-000099", "--workspace", str(ws_path)])
    assert result.exit_code == 3
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["cases", "list", "--workspace", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "not a cftwatch workspace" in result.output
    result = runner.invoke(app, ["cases", "workflow", "--json"])
    code, out = result.exit_code, result.stdout
    assert code == 0 and {
        "from": "escalated",
        "to": "reported",
        "role": "supervisor",
    } in json.loads(out)
