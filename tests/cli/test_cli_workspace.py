from __future__ import annotations

import json

from typer.testing import CliRunner

from cftwatch.cli import app

runner = CliRunner()


def test_init_then_tables_lists_canonical_tables(tmp_path):
    ws = tmp_path / "ws"
    result = runner.invoke(app, ["init", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["workspace"] == str(ws)
    result = runner.invoke(app, ["tables", "--workspace", str(ws), "--json"])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["transactions"] == 0 and "alerts" in counts


def test_missing_workspace_is_one_line_and_exit_2(tmp_path):
    result = runner.invoke(app, ["tables", "--workspace", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "cftwatch init" in result.output


def test_unknown_engine_in_config_is_reported_with_its_field(tmp_path):
    ws = tmp_path / "ws"
    assert runner.invoke(app, ["init", str(ws)]).exit_code == 0
    (ws / "cftwatch.yaml").write_text("engine: oracle\n")
    result = runner.invoke(app, ["tables", "--workspace", str(ws), "--json"])
    assert result.exit_code == 2
    err = json.loads(result.stdout)
    assert err["problems"][0]["field"] == "engine"
