"""Identity, roles, `audit verify` and escaped output, end to end through the CLI."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.cli._app import console, safe_text
from cftwatch.workspace import Workspace
from tests.cases.helpers import alert, alerts_table

runner = CliRunner()
ESC = "\x1b"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch) -> Path:
    """A workspace whose OS user is `os-alice`, with one hostile subject name in its alerts."""
    monkeypatch.delenv("CFTWATCH_DB_URL", raising=False)
    monkeypatch.delenv("CFTWATCH_USER", raising=False)
    monkeypatch.setattr("getpass.getuser", lambda: "os-alice")
    monkeypatch.setattr(console, "width", 250)
    path = tmp_path / "ws"
    with Workspace.init(path) as w:
        w.append(
            "alerts",
            alerts_table(
                alert("acct:1", severity="high", subject_name=f"[/x] Evil {ESC}]0;pwned\x07Co"),
                alert("acct:[bold]2[/]", severity="high", subject_name="[red]Red[/red]"),
            ),
        )
    return path


def run(ws: Path, *args: str, user: str | None = None) -> tuple[int, str]:
    env = {"CFTWATCH_USER": user} if user else {}
    result = runner.invoke(app, [*args, "--workspace", str(ws)], env=env)
    return result.exit_code, result.output


def test_a_forged_user_is_refused(ws: Path, monkeypatch):
    code, out = run(ws, "cases", "triage", "--user", "sara")
    assert code == 2 and "os-alice may not act as sara" in out
    assert run(ws, "users", "add", "bob", "--role", "analyst")[0] == 0  # os-alice: admin
    monkeypatch.setattr("getpass.getuser", lambda: "bob")
    code, out = run(ws, "cases", "triage", user="os-alice")  # $CFTWATCH_USER, same rule
    assert code == 2 and "bob may not act as os-alice" in out
    code, out = run(ws, "cases", "list", "--json")
    assert code == 0 and json.loads(out) == []  # nothing was written


def test_an_admin_acting_as_another_is_logged_as_both(ws: Path):
    assert run(ws, "users", "add", "sara", "--role", "supervisor")[0] == 0
    code, out = run(ws, "cases", "triage", "--json", "--user", "sara")
    assert code == 0, out
    code, out = run(ws, "cases", "history", "1", "--json")
    entries = json.loads(out)
    assert {(e["user"], e["actor"]) for e in entries} == {("sara", "os-alice")}
    code, out = run(ws, "cases", "note", "1", "mine")
    history = json.loads(run(ws, "cases", "history", "1", "--json")[1])
    assert (history[-1]["user"], history[-1]["actor"]) == ("os-alice", None)


def test_users_add_and_list(ws: Path):
    code, out = run(ws, "users", "add", "sara", "--role", "supervisor", "--json")
    assert code == 0 and json.loads(out)["role"] == "supervisor"
    code, out = run(ws, "users", "list", "--json")
    assert {(u["name"], u["role"]) for u in json.loads(out)} == {
        ("os-alice", "admin"),
        ("sara", "supervisor"),
    }
    assert run(ws, "users", "add", "x", "--role", "boss")[0] == 2
    code, out = run(ws, "users", "add", f"evil{ESC}[31m")
    assert code == 2 and ESC not in out and "\\x1b" in out


def test_audit_verify_names_the_edited_row(ws: Path):
    run(ws, "users", "add", "sara", "--role", "supervisor")
    run(ws, "cases", "triage")
    code, out = run(ws, "audit", "verify", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    rows = json.loads(out)["rows"]
    with sqlite3.connect(ws / "store.sqlite") as db:
        db.execute("DROP TRIGGER audit_log_no_update")
        db.execute("UPDATE audit_log SET after = '\"closed\"' WHERE id = 3")
    code, out = run(ws, "audit", "verify")
    assert code == 5 and "broken at row 3" in out and "edited" in out
    code, out = run(ws, "audit", "verify", "--json")
    result = json.loads(out)
    assert rows == 10 and (result["ok"], result["broken_row"], result["rows"]) == (False, 3, 3)
    assert "edited" in result["why"]  # rows counts what was checked, up to the break


def test_markup_and_escapes_in_user_data_print_as_text(ws: Path):
    assert run(ws, "cases", "triage")[0] == 0
    assert run(ws, "cases", "note", "1", f"see [/x] and [bold]this[/] {ESC}[2J")[0] == 0
    for args in (("cases", "list"), ("cases", "show", "1"), ("cases", "show", "2")):
        code, out = run(ws, *args)
        assert code == 0, out
        assert ESC not in out and "\x07" not in out
    _, shown = run(ws, "cases", "show", "1")
    assert "[/x] Evil \\x1b]0;pwned\\x07Co" in shown
    assert "see [/x] and [bold]this[/] \\x1b[2J" in shown
    _, listed = run(ws, "cases", "list")
    assert "acct:[bold]2[/]" in listed and "[red]Red[/red]" in listed


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("[/x]", "[/x]"),
        (f"a{ESC}[31mb", "a\\x1b[31mb"),
        ("bidi\u202eevil", "bidi\\u202eevil"),
        ("carriage\rreturn\ttab", "carriage\\rreturn\\ttab"),
        ("plain Ωμέγα حافظ", "plain Ωμέγα حافظ"),
    ],
)
def test_safe_text_prints_exactly_the_text(raw: str, shown: str):
    console_out = console.__class__(width=200, record=True, force_terminal=False)
    console_out.print(safe_text(raw), highlight=False)
    assert console_out.export_text().rstrip("\n") == shown
    assert not re.search(r"[\x00-\x1f]", console_out.export_text().rstrip("\n"))
