"""`cftwatch alerts list|show|export` through the real Typer app, on alerts `monitor` made."""

from __future__ import annotations

import csv
import json
from datetime import datetime

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cftwatch.cli import app
from cftwatch.workspace import Workspace
from tests.monitoring.factory import Book

runner = CliRunner()


@pytest.fixture
def ws(tmp_path) -> str:
    """A structuring alert from a real `monitor` run, plus one low hand-written alert."""
    path = tmp_path / "ws"
    book = Book()
    for d in (0, 2, 4):
        book.pay(f"AG{d}", "S", 1_900_000, 24 * d, "cash_in")
    with Workspace.init(path) as w:
        book.load(w)
    assert runner.invoke(app, ["monitor", "-w", str(path), "--rule", "structuring"]).exit_code == 0
    with Workspace.open(path) as w:
        w.append(
            "alerts",
            pa.Table.from_pylist(
                [
                    {
                        "alert_id": "manual-1",
                        "run_id": "r0",
                        "source": "monitoring",
                        "rule_id": "round_amounts",
                        "typology": "round_amounts",
                        "subject_type": "account",
                        "subject_id": "X[/b]\x1b",
                        "severity": "low",
                        "score": 0.1,
                        "txn_ids": ["t1", "t2"],
                        "explanation": "hand-written",
                        "window_end": datetime(2020, 1, 1),
                        "created_at": datetime(2020, 1, 1),
                    }
                ]
            ),
        )
    return str(path)


def _list(ws: str, *args: str) -> dict:
    result = runner.invoke(app, ["alerts", "list", "-w", ws, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_list_filters_by_rule_severity_and_since(ws):
    every = _list(ws)
    assert every["total"] == 2
    assert [a["rule_id"] for a in every["alerts"]] == ["structuring", "round_amounts"]
    assert [a["rule_id"] for a in _list(ws, "--rule", "round_amounts")["alerts"]] == [
        "round_amounts"
    ]
    assert _list(ws, "--severity", "medium")["total"] == 1
    assert _list(ws, "--since", "2021-01-01")["total"] == 1
    assert _list(ws, "--limit", "1")["total"] == 2 and len(_list(ws, "--limit", "1")["alerts"]) == 1


def test_table_escapes_user_strings(ws):
    table = runner.invoke(app, ["alerts", "list", "-w", ws])
    assert table.exit_code == 0 and "\x1b" not in table.output, table.output
    result = runner.invoke(app, ["alerts", "show", "manual-1", "-w", ws])
    assert result.exit_code == 0, result.output
    assert "X[/b]\\x1b" in result.output and "\x1b" not in result.output


def test_show_one_and_unknown_is_exit_3(ws):
    aid = _list(ws, "--rule", "structuring")["alerts"][0]["alert_id"]
    result = runner.invoke(app, ["alerts", "show", aid, "-w", ws, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["alert_id"] == aid and isinstance(shown["params"], dict)
    assert len(shown["txn_ids"]) == 3
    missing = runner.invoke(app, ["alerts", "show", "nope", "-w", ws])
    assert missing.exit_code == 3 and "Traceback" not in missing.output


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_export_every_format(ws, tmp_path, fmt):
    out = tmp_path / f"alerts.{fmt}"
    result = runner.invoke(
        app, ["alerts", "export", "-w", ws, "--format", fmt, "-o", str(out), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["alerts"] == 2
    if fmt == "jsonl":
        rows = [json.loads(line) for line in out.read_text().splitlines()]
    elif fmt == "csv":
        rows = list(csv.DictReader(out.open()))
        assert rows[1]["txn_ids"] == "t1;t2"
    else:
        rows = pq.read_table(out).to_pylist()
        assert rows[1]["txn_ids"] == ["t1", "t2"]
    assert [r["rule_id"] for r in rows] == ["structuring", "round_amounts"]
    assert not list(tmp_path.glob(".*.partial"))


def test_export_filtered_and_bad_input_is_exit_2(ws, tmp_path):
    out = tmp_path / "a.jsonl"
    args = ["alerts", "export", "-w", ws, "-o", str(out), "--severity", "high", "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    expected = _list(ws, "--severity", "high")["total"]
    assert json.loads(result.stdout)["alerts"] == expected == len(out.read_text().splitlines())
    for bad in (["--format", "xml"], ["--severity", "huge"], ["--since", "yesterday"]):
        r = runner.invoke(app, ["alerts", "export", "-w", ws, "-o", str(tmp_path / "b"), *bad])
        assert r.exit_code == 2 and "Traceback" not in r.output, r.output
        assert not (tmp_path / "b").exists()
