"""`cftwatch monitor` and `cftwatch rules ...` through the real Typer app."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.workspace import Workspace
from tests.monitoring.factory import Book

runner = CliRunner()


def ws_with_structuring(tmp_path) -> str:
    path = tmp_path / "ws"
    book = Book()
    for d in (0, 2, 4):
        book.pay(f"AG{d}", "S", 1_900_000, 24 * d, "cash_in")
    with Workspace.init(path) as ws:
        book.load(ws)
    return str(path)


def test_monitor_json_summary(tmp_path):
    ws = ws_with_structuring(tmp_path)
    result = runner.invoke(app, ["monitor", "--workspace", ws, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    rules = {r["rule_id"]: r for r in out["rules"]}
    assert rules["structuring"]["alerts"] == 1 and out["alerts_new"] == 1
    assert len(rules) >= 12 and all("seconds" in r for r in rules.values())
    again = json.loads(runner.invoke(app, ["monitor", "-w", ws, "--json"]).stdout)
    assert again["alerts_new"] == 0


def test_monitor_table_and_since(tmp_path):
    ws = ws_with_structuring(tmp_path)
    result = runner.invoke(
        app, ["monitor", "-w", ws, "--since", "2026-01-11", "--rule", "structuring"]
    )
    assert result.exit_code == 0, result.output
    assert "structuring" in result.output and "1 new" in result.output


def test_bad_rules_file_lists_every_problem_and_runs_nothing(tmp_path):
    ws = ws_with_structuring(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  structuring:\n    params: {min_deposits: -1}\n  nope: {}\n")
    result = runner.invoke(app, ["monitor", "-w", ws, "--rules", str(rules), "--json"])
    assert result.exit_code == 2
    err = json.loads(result.stdout)
    assert {p["field"] for p in err["problems"]} == {
        "rules.structuring.params.min_deposits",
        "rules.nope",
    }
    assert "Traceback" not in result.output
    with Workspace.open(ws) as w:
        assert w.scalar("SELECT count(*) FROM alerts") == 0


def test_rules_list_show_and_check(tmp_path):
    listed = json.loads(runner.invoke(app, ["rules", "list", "--json"]).stdout)
    assert len(listed) >= 12 and {"id", "typology", "severity", "title"} <= set(listed[0])
    shown = runner.invoke(app, ["rules", "show", "cash_out_after_fan_in"])
    assert (
        shown.exit_code == 0
        and "## Parameters" in shown.stdout
        and "min_cashout_share" in shown.stdout
    )
    missing = runner.invoke(app, ["rules", "show", "no_such_rule"])
    assert missing.exit_code == 3
    good = tmp_path / "ok.yaml"
    good.write_text("rules:\n  fan_out:\n    params: {min_recipients: 12}\n")
    checked = runner.invoke(app, ["rules", "check", str(good)])
    assert checked.exit_code == 0 and "min_recipients=12" in checked.stdout
    docs = runner.invoke(app, ["rules", "docs", "--out", str(tmp_path / "d")])
    assert docs.exit_code == 0
    assert (
        runner.invoke(app, ["rules", "docs", "--out", str(tmp_path / "d"), "--check"]).exit_code
        == 0
    )


def test_rules_calibrate_takes_a_hub_alert_rate_and_records_it(tmp_path):
    import yaml

    from cftwatch.monitoring import builtin_rules

    ws = ws_with_structuring(tmp_path)
    only_one = {r.id: {"enabled": r.id == "structural_cycles"} for r in builtin_rules()}
    rules = tmp_path / "in.yaml"
    rules.write_text(yaml.safe_dump({"version": 1, "rules": only_one}))
    out = tmp_path / "rules.yaml"
    args = ["rules", "calibrate", "-w", ws, "--rules", str(rules), "-o", str(out)]
    result = runner.invoke(app, [*args, "--hub-alert-rate", "5%"])
    assert result.exit_code == 0, result.output
    assert yaml.safe_load(out.read_text())["provenance"]["hub_alert_rate"] == 0.05
    bad = runner.invoke(app, [*args, "--hub-alert-rate", "120%"])
    assert bad.exit_code == 2 and "hub-alert-rate" in bad.output
