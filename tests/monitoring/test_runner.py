"""The runner: alert rows, stable ids, no duplicates on re-runs, run records, `since`."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from cftwatch import schema as cs
from cftwatch.errors import ConfigError
from cftwatch.monitoring import (
    RUNS_TABLE,
    default_rules_config,
    read_runs,
    resolve_rules_config,
    run_rules,
    top_alerts,
)
from cftwatch.monitoring.runner import workspace_rules_config
from tests.monitoring.factory import T0, Book, alerts_of


def structuring(book: Book, days: tuple[int, ...] = (0, 2, 4)) -> list[str]:
    return [book.pay(f"AG{d}", "S", 1_900_000 + d, 24 * d, "cash_in") for d in days]


def count(ws, table: str, where: str = "TRUE") -> int:
    return ws.scalar(f'SELECT count(*) FROM "{table}" WHERE {where}')


def test_alert_row_is_complete_and_recorded(workspace, book):
    ids = structuring(book)
    book.account("S", account_type="bank")
    book.load(workspace)
    run = run_rules(workspace, rule_ids=["structuring"])
    assert run.new_alerts == 1 and run.rules[0].alerts == 1
    row = workspace.read("alerts").to_pylist()[0]
    assert row["source"] == "monitoring" and row["subject_type"] == "account"
    assert row["subject_id"] == "S" and row["subject_name"] == "Holder of S"
    assert row["txn_ids"] == sorted(ids)
    assert row["window_start"] == T0 and row["window_end"] == T0 + dt.timedelta(days=4)
    assert row["severity"] == "high" and row["run_id"] == run.run_id
    params = json.loads(row["params"])
    assert params["params"]["threshold"] == 2_000_000 and row["params_hash"]
    assert "account S (Holder of S)" in row["explanation"]
    assert json.loads(row["details"])["deposits"] == 3
    assert row["alert_id"].startswith("mon-")


def test_rerun_over_the_same_data_adds_nothing(workspace, book):
    structuring(book)
    book.load(workspace)
    first = run_rules(workspace)
    second = run_rules(workspace)
    assert first.new_alerts == 1 and second.new_alerts == 0
    assert (
        second.alerts.column("alert_id").to_pylist() == first.alerts.column("alert_id").to_pylist()
    )
    assert count(workspace, "alerts") == 1
    runs = read_runs(workspace).to_pylist()
    assert [r["alerts_new"] for r in runs] == [1, 0]
    assert runs[0]["transactions"] == 3 and runs[0]["engine"] == "duckdb"
    assert runs[0]["data_start"] == T0 and runs[0]["rules_version"].startswith("0.")
    per_rule = {r["rule_id"]: r for r in json.loads(runs[0]["per_rule"])}
    assert per_rule["structuring"]["alerts"] == 1
    assert per_rule["screened_party_transaction"]["skipped"] == "no screening alerts yet"


def test_other_parameters_give_another_alert_id(workspace, book):
    structuring(book)
    book.load(workspace)
    a = alerts_of(workspace, "structuring")[0]["alert_id"]
    b = alerts_of(workspace, "structuring", {"min_deposits": 2})[0]["alert_id"]
    assert a != b


def test_since_finds_a_window_that_crosses_the_boundary(workspace, book):
    early = structuring(book, (0, 2))
    late = structuring(book, (4,))
    book.load(workspace, only=early)
    assert run_rules(workspace, since="2026-01-10").new_alerts == 0  # two deposits only
    book.load(workspace, only=late)
    run = run_rules(workspace, since="2026-01-13")
    assert run.new_alerts == 1
    assert run.alerts.column("txn_ids").to_pylist() == [sorted(early + late)]
    again = run_rules(workspace, since="2026-01-13")
    full = run_rules(workspace)
    assert again.new_alerts == 0 and full.new_alerts == 0
    assert full.alerts.column("alert_id").to_pylist() == run.alerts.column("alert_id").to_pylist()
    assert count(workspace, "alerts") == 1


def test_since_skips_windows_that_ended_before_it(workspace, book):
    structuring(book)
    book.load(workspace)
    run = run_rules(workspace, since=dt.date(2026, 1, 20))
    assert run.alerts.num_rows == 0 and run.transactions == 0
    with pytest.raises(ConfigError):
        run_rules(workspace, since="last tuesday")


def test_screened_party_rule_reads_screening_alerts(workspace, book):
    ids = [book.pay("X", "LISTED", 50_000, 0, "ibft"), book.pay("LISTED", "Y", 40_000, 5, "ibft")]
    book.pay("X", "Y", 1_000, 6, "wallet")
    book.load(workspace)
    assert alerts_of(workspace, "screened_party_transaction") == []
    flag = {
        "alert_id": "scr-1",
        "run_id": "screen-1",
        "source": "screening",
        "rule_id": "screening.name",
        "typology": "sanctions_match",
        "subject_type": "party",
        "subject_id": "P-LISTED",
        "severity": "high",
        "score": 0.93,
        "txn_ids": [],
        "explanation": "matched",
        "entity_id": "un:QDi.422",
        "created_at": T0,
    }
    workspace.append("alerts", pa.Table.from_pylist([flag], schema=cs.ALERTS))
    (alert,) = alerts_of(workspace, "screened_party_transaction")
    assert alert["subject_id"] == "LISTED" and alert["txn_ids"] == sorted(ids)
    assert alert["entity_id"] == "un:QDi.422"
    # rated no higher than the screening hit behind it ...
    assert alert["severity"] == "high"
    assert "QDi.422" in alert["explanation"] and "2 payments" in alert["explanation"]
    assert alerts_of(workspace, "screened_party_transaction", {"min_match_score": 0.95}) == []
    # ... and no higher than rules.yaml sets it
    raw = {"rules": {"screened_party_transaction": {"severity": "medium"}}}
    run = run_rules(workspace, resolve_rules_config(raw), record=False)
    (alert,) = [a for a in run.alerts.to_pylist() if a["rule_id"] == "screened_party_transaction"]
    assert alert["severity"] == "medium"
    critical = flag | {"alert_id": "scr-2", "severity": "critical", "score": 0.99}
    workspace.append("alerts", pa.Table.from_pylist([critical], schema=cs.ALERTS))
    (alert,) = alerts_of(workspace, "screened_party_transaction")
    assert alert["severity"] == "critical"


def test_workspace_config_section_drives_the_run(workspace, book):
    structuring(book)
    book.load(workspace)
    workspace.config.monitoring = {"rules": {"structuring": {"enabled": False}}}
    cfg = workspace_rules_config(workspace)
    assert not cfg.rules["structuring"].enabled
    assert run_rules(workspace).alerts.num_rows == 0


def test_progress_and_only_some_rules(workspace, book):
    structuring(book)
    book.load(workspace)
    seen = []
    run = run_rules(
        workspace,
        default_rules_config(),
        rule_ids=["structuring", "fan_out"],
        progress=lambda r, i, n: seen.append((r, i, n)),
    )
    assert seen == [("structuring", 0, 2), ("fan_out", 1, 2), ("done", 2, 2)]
    assert [r.rule_id for r in run.rules] == ["structuring", "fan_out"]
    with pytest.raises(ConfigError):
        run_rules(workspace, rule_ids=["nope"])


def test_record_false_writes_nothing_and_top_alerts(workspace, book):
    structuring(book)
    book.load(workspace)
    run_rules(workspace, record=False)
    assert count(workspace, "alerts") == 0 and count(workspace, RUNS_TABLE) == 0
    run = run_rules(workspace)
    top = top_alerts(workspace, 5, run.run_id)
    assert [t["rule_id"] for t in top] == ["structuring"]
    assert top[0]["explanation"].startswith("3 cash deposits")


def test_disabled_everything_is_a_valid_empty_run(workspace, book):
    structuring(book)
    book.load(workspace)
    cfg = resolve_rules_config(
        {"rules": {r: {"enabled": False} for r in default_rules_config().rules}}
    )
    run = run_rules(workspace, cfg)
    assert run.rules == [] and run.alerts.num_rows == 0 and count(workspace, RUNS_TABLE) == 1


def test_duplicate_alert_ids_keep_the_instance_with_the_smallest_payment_ids():
    """Two instances with one alert id (same rule, subject and window): whichever order an
    engine returns them in, the same one is kept."""
    from cftwatch.monitoring.runner import dedupe_alerts

    def row(aid: str, txns: list[str]) -> dict:
        return {"alert_id": aid, "txn_ids": txns, "rule_id": "structural_cycles"}

    rows = [row("a", ["t3", "t5"]), row("b", ["t1"]), row("a", ["t2", "t9"])]
    schema = pa.schema([cs.ALERTS.field("alert_id"), cs.ALERTS.field("txn_ids"),
                        cs.ALERTS.field("rule_id")])  # fmt: skip
    for order in (rows, rows[::-1]):
        kept = dedupe_alerts(pa.Table.from_pylist(order, schema=schema)).to_pylist()
        assert sorted((r["alert_id"], r["txn_ids"]) for r in kept) == [
            ("a", ["t2", "t9"]),
            ("b", ["t1"]),
        ]
    unique = pa.Table.from_pylist(rows[:2], schema=schema)
    assert dedupe_alerts(unique) is unique
