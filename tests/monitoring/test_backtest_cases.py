"""`rules backtest --cases`: decided cases as labels (reported = positive, closed_no_action
= negative; open cases left out), through cftwatch/app/backtest.py and the CLI."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from cftwatch.app.backtest import backtest_cases, case_labels
from cftwatch.cases import CaseService
from cftwatch.cli import app
from cftwatch.monitoring import default_rules_config, run_rules
from cftwatch.monitoring.backtest import only
from cftwatch.store import OperationalStore
from tests.monitoring.test_backtest import _ring

PATH = {
    "reported": ["in_review", "escalated", "reported"],
    "closed_no_action": ["closed_no_action"],
}


def _decide(workspace, outcome: dict[str, str]) -> None:
    """Triage the structural_cycles alerts into cases; decide each by its subject's prefix."""
    cfg = only(default_rules_config(), ["structural_cycles"])
    alerts = run_rules(workspace, cfg, record=False).alerts
    store = OperationalStore.for_workspace(workspace)
    try:
        service = CaseService(store)
        for case in service.triage(alerts, "triage-bot"):
            status = outcome.get(case.subject_id[0])
            for step in PATH.get(status, []) if status else []:
                who = "sara" if step == "reported" else "alice"
                service.transition(case.case_id, who, step, "decided", None)
    finally:
        store.close()


def _three_rings(workspace, book) -> None:
    for prefix in "RBO":  # reported, cleared (closed without action), still open
        _ring(book, prefix)
    book.load(workspace)
    _decide(workspace, {"R": "reported", "B": "closed_no_action"})


def test_decided_cases_become_labels_and_open_ones_are_left_out(workspace, book):
    _three_rings(workspace, book)
    labels = case_labels(workspace)
    assert labels.to_dict() == {
        "positives": 1, "negatives": 1, "open_cases": 1, "without_transactions": 0
    }  # fmt: skip
    (pos,) = [i for i in labels.instances if i.positive]
    assert pos.typology == "cycle" and next(iter(pos.accounts)).startswith("R")
    assert len(pos.txn_ids) == 3


def test_backtest_on_cases_scores_recall_and_decided_precision(workspace, book):
    _three_rings(workspace, book)
    cfg = only(default_rules_config(), ["structural_cycles"])
    result = backtest_cases(workspace, cfg).to_dict()
    assert result["pack"]["recall"] == {"cycle": 1.0}
    # three rings alerted: one reported, one cleared, one open (not a label)
    assert result["pack"]["alerted_accounts"] == 3
    assert result["decided_precision"]["(pack)"] == 0.5
    assert result["decided_precision"]["structural_cycles"] == 0.5


def test_backtest_with_no_decided_case_finds_nothing(workspace, book):
    _ring(book, "O")
    book.load(workspace)
    _decide(workspace, {})
    cfg = only(default_rules_config(), ["structural_cycles"])
    result = backtest_cases(workspace, cfg)
    assert result.labels.instances == [] and result.labels.open_cases == 1
    assert result.decided_precision["(pack)"] is None


def test_cli_backtest_cases_and_its_errors(workspace, book):
    _three_rings(workspace, book)
    root = str(workspace.path)
    workspace.close()
    runner = CliRunner()
    res = runner.invoke(app, ["rules", "backtest", "--cases", "--workspace", root, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["labels"]["positives"] == 1 and out["decided_precision"]["(pack)"] is not None
    res = runner.invoke(app, ["rules", "backtest", "--cases", "--workspace", root])
    assert res.exit_code == 0 and "decided cases" in res.output
    neither = runner.invoke(app, ["rules", "backtest", "--workspace", root])
    assert neither.exit_code == 2 and "--labels" in neither.output
    both = runner.invoke(
        app, ["rules", "backtest", "--cases", "--sweep", "x.y=1", "--workspace", root]
    )
    assert both.exit_code == 2 and "--sweep" in both.output
