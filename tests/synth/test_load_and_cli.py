from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.synth import SynthConfig, generate_synth, load_synth_into


@pytest.fixture(scope="module")
def tiny():
    return generate_synth(SynthConfig(accounts=600, days=7, seed=4))


def test_load_synth_into_appends_everything_once(workspace, tiny):
    first = load_synth_into(workspace, tiny)
    assert not first.already_loaded
    counts = workspace.table_counts()
    assert counts["transactions"] == tiny.transactions.num_rows == first.transactions
    assert counts["labels"] == tiny.labels.num_rows
    assert counts["accounts"] == tiny.accounts.num_rows
    assert counts["parties"] == tiny.parties.num_rows
    assert counts["synth_patterns"] == tiny.patterns.num_rows
    assert counts["loads"] == 1
    load_ids = workspace.con.execute("SELECT DISTINCT load_id FROM transactions").fetchall()
    assert load_ids == [(first.load_id,)]
    again = load_synth_into(workspace, tiny)
    assert again.already_loaded and workspace.table_counts() == counts


def test_load_is_atomic(workspace, tiny, monkeypatch):
    calls = []
    original = workspace.append

    def failing(name, data):
        calls.append(name)
        if name == "labels":
            raise RuntimeError("disk full")
        return original(name, data)

    monkeypatch.setattr(workspace, "append", failing)
    with pytest.raises(RuntimeError):
        load_synth_into(workspace, tiny)
    assert "transactions" in calls
    counts = workspace.table_counts()
    assert counts["transactions"] == counts["labels"] == counts["loads"] == 0
    assert counts.get("synth_patterns", 0) == 0


def test_cli_writes_files_and_summary(tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["synth", "--accounts", "600", "--days", "7", "--seed", "3", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["accounts"] == 600 and summary["transactions"] > 0
    assert sum(summary["instances"].values()) >= 11
    assert {p.name for p in out.iterdir()} == {
        "transactions.parquet",
        "parties.parquet",
        "accounts.parquet",
        "labels.parquet",
        "patterns.parquet",
    }


def test_cli_formats_and_table(tmp_path):
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "synth",
            "--accounts",
            "500",
            "--days",
            "7",
            "--out",
            str(tmp_path),
            "--format",
            "pacs008",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "crowdfunding_fan_in" in result.stdout
    assert any(p.suffix == ".xml" for p in tmp_path.iterdir())


def test_cli_bad_input_is_one_line_exit_2(tmp_path):
    result = CliRunner().invoke(app, ["synth", "--accounts", "10", "--out", str(tmp_path)])
    assert result.exit_code == 2
    result = CliRunner().invoke(
        app, ["synth", "--out", str(tmp_path), "--accounts", "500", "--format", "xml"]
    )
    assert result.exit_code == 2
