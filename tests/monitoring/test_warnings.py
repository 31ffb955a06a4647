"""The run summary warns for each rule that cannot fire on the data: a channel filter that
matches no transaction, or a money floor above the 99.9th percentile of the amounts."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.monitoring import resolve_rules_config, run_rules
from cftwatch.workspace import Workspace
from tests.monitoring.factory import Book

runner = CliRunner()


def _warnings(ws, rule_id, params=None):
    cfg = resolve_rules_config({"rules": {rule_id: {"params": params or {}}}})
    run = run_rules(ws, cfg, rule_ids=[rule_id], record=False)
    return [w for w in run.warnings if w.rule_id == rule_id]


def _small_wires(book: Book, n: int = 50) -> None:
    for i in range(n):  # a bank's wires, every amount below 1,000
        book.pay(f"A{i % 7}", f"B{i % 5}", 100 + 10 * i, i, "wire")


def test_channel_filter_that_matches_nothing_is_warned(workspace, book):
    _small_wires(book)
    book.load(workspace)
    (w,) = [w for w in _warnings(workspace, "structuring") if w.kind == "channels"]
    assert w.param == "channels" and "cash_in" in w.message and "wire" in w.message
    # the same rule counting wires: no channel warning
    assert not [
        w
        for w in _warnings(workspace, "structuring", {"channels": ["wire"]})
        if w.kind == "channels"
    ]


def test_money_floor_above_the_999th_percentile_is_warned(workspace, book):
    _small_wires(book)  # amounts 100 .. 590
    book.load(workspace)
    (w,) = [w for w in _warnings(workspace, "fan_out") if w.kind == "money_floor"]
    assert w.param == "min_payment" and "1,000.00" in w.message
    # a floor below the largest amounts: no warning
    low = _warnings(workspace, "fan_out", {"min_payment": 500})
    assert not [w for w in low if w.kind == "money_floor"]


def test_empty_data_gets_no_warnings(workspace):
    assert _warnings(workspace, "fan_out") == []


def test_monitor_summary_warns_in_json_and_table(tmp_path):
    path = tmp_path / "ws"
    book = Book()
    _small_wires(book)
    with Workspace.init(path) as ws:
        book.load(ws)
    out = json.loads(runner.invoke(app, ["monitor", "-w", str(path), "--json"]).stdout)
    assert out["date_only"] is False
    kinds = {(w["rule_id"], w["kind"]) for w in out["warnings"]}
    assert ("structuring", "channels") in kinds and ("fan_out", "money_floor") in kinds
    table = runner.invoke(app, ["monitor", "-w", str(path), "--rule", "structuring"])
    assert table.exit_code == 0, table.output
    assert "warning:" in table.output and "matches no transaction" in table.output


def test_a_floor_on_a_total_is_not_warned(workspace, book):
    _small_wires(book)  # velocity_spike's min_amount (500,000) bounds a daily total
    book.load(workspace)
    assert not [w for w in _warnings(workspace, "velocity_spike") if w.kind == "money_floor"]
