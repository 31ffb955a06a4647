"""Backtests on hand-built labelled data: what counts as found, precision per account."""

from __future__ import annotations

from pathlib import Path

import pytest

from cftwatch.errors import ConfigError
from cftwatch.monitoring import default_rules_config
from cftwatch.monitoring.backtest import (
    Instance,
    backtest,
    hub_like_accounts,
    only,
    parse_sweep,
    population,
    read_instances,
    score_alerts,
    sweep,
)

HEADER = "instance_id,typology,member_accounts,txn_ids,is_sar\n"


def _ring(book, prefix: str, n: int = 3) -> set[str]:
    accts = [f"{prefix}{i}" for i in range(n)]
    return {book.pay(a, accts[(i + 1) % n], 500, 24 * i, "wire") for i, a in enumerate(accts)}


def test_read_instances_reports_every_bad_row(tmp_path: Path):
    f = tmp_path / "labels.csv"
    f.write_text(HEADER + "1,cycle,A;B,T1;T2,1\n2,,A,T3,maybe\n3,cycle,,T4,0\n")
    with pytest.raises(ConfigError) as exc:
        read_instances(f)
    where = {(p.record, p.field) for p in exc.value.problems}
    assert where == {(3, "typology"), (3, "is_sar"), (4, "member_accounts")}
    f.write_text("instance_id,typology\n")
    with pytest.raises(ConfigError, match="missing column"):
        read_instances(f)


def test_an_alert_finds_an_instance_only_on_a_member_listing_its_payment():
    inst = [Instance("1", "cycle", frozenset({"A", "B"}), frozenset({"T1"}))]
    pop = population_of(accounts=10, positives={"A", "B"})
    on_member = {"subject_id": "A", "txn_ids": ["T1"]}
    wrong_txn = {"subject_id": "B", "txn_ids": ["T9"]}
    outsider = {"subject_id": "C", "txn_ids": ["T1"]}
    assert score_alerts([on_member], inst, pop).recall("cycle") == 1
    s = score_alerts([wrong_txn, outsider], inst, pop)
    assert s.recall("cycle") == 0 and s.alerted_accounts == 2 and s.precision == 0.5


def population_of(accounts: int, positives: set[str]):
    from cftwatch.monitoring.backtest import Population

    return Population(accounts, frozenset(positives), frozenset())


def test_backtest_scores_the_pack_and_each_rule(workspace, book, tmp_path: Path):
    ring = _ring(book, "R")
    benign = _ring(book, "B")
    book.load(workspace)
    f = tmp_path / "labels.csv"
    f.write_text(
        HEADER
        + f"r,cycle,R0;R1;R2,{';'.join(sorted(ring))},1\n"
        + f"b,cycle,B0;B1;B2,{';'.join(sorted(benign))},0\n"
    )
    instances = read_instances(f)
    cfg = only(default_rules_config(), ["structural_cycles"])
    report = backtest(workspace, cfg, instances).to_dict()
    assert report["accounts"] == 6 and report["positive_accounts"] == 3
    pack = report["pack"]
    assert pack["recall"] == {"cycle": 1.0} and pack["alerted_accounts"] == 2
    assert pack["precision"] == 0.5 and pack["lift"] == 1.0
    assert report["rules"]["structural_cycles"]["found"] == {"cycle": 1}
    rows = sweep(workspace, cfg, instances, "structural_cycles.min_hops=3,4")
    assert [r["recall"]["cycle"] for r in rows] == [1.0, 0.0]


def test_hubs_outside_positive_instances_are_counted(workspace, book):
    for i in range(3):
        book.pay(f"S{i}", "HUB", 10, i, "wire")
    book.pay("X", "Y", 10, 0, "wire")
    book.load(workspace)
    inst = [Instance("1", "fan_in", frozenset({"X"}), frozenset({"T0004"}))]
    pop = population(workspace, inst, hub_degree=3)
    assert pop.hubs == {"HUB"} and pop.accounts == 6


def test_hub_like_accounts_can_count_only_standing_counterparties(workspace, book):
    for i in range(3):  # STANDING: three counterparties, each paying twice
        book.pay(f"S{i}", "STANDING", 10, i, "wire")
        book.pay(f"S{i}", "STANDING", 10, 100 + i, "wire")
    for i in range(3):  # COLLECTOR: three counterparties, each paying once
        book.pay(f"C{i}", "COLLECTOR", 10, i, "wire")
    book.pay("C0", "MIXED", 10, 0, "wire")  # MIXED: two standing and one one-off
    book.pay("S0", "MIXED", 10, 0, "wire")
    book.pay("S0", "MIXED", 10, 1, "wire")
    book.pay("MIXED", "S1", 10, 2, "wire")
    book.pay("S1", "MIXED", 10, 3, "wire")
    book.load(workspace)
    assert hub_like_accounts(workspace, 3) == {"STANDING", "COLLECTOR", "MIXED"}
    assert hub_like_accounts(workspace, 3, repeat=2) == {"STANDING"}
    # S0 and S1 each paid two accounts twice (S1 once each way with MIXED)
    assert hub_like_accounts(workspace, 2, repeat=2) == {"STANDING", "MIXED", "S0", "S1"}


def test_parse_sweep_rejects_bad_specs():
    assert parse_sweep("fan_out.min_recipients=5,8") == ("fan_out", "min_recipients", [5, 8])
    for bad in ("fan_out=5", "fan_out.min_recipients=", "fan_out.min_recipients=a"):
        with pytest.raises(ConfigError):
            parse_sweep(bad)
