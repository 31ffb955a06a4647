"""Calibration on a fixed synthetic population gives the documented thresholds."""

from __future__ import annotations

from pathlib import Path

import yaml

from cftwatch.monitoring import default_rules_config, load_rules_config
from cftwatch.monitoring.backtest import only, with_param
from cftwatch.monitoring.calibrate import amount_quantiles, calibrate, money_decisions
from cftwatch.monitoring.prepared import PreparedData
from cftwatch.monitoring.runner import run_rules


def _population(book) -> None:
    """100 payments of 1..100 between pairs; one ring of 3 and one of 5 accounts."""
    for i in range(100):
        book.pay(f"P{i}", f"Q{i}", i + 1, i, "ach")
    for n, tag in ((3, "A"), (5, "B")):
        accts = [f"{tag}{i}" for i in range(n)]
        for i, a in enumerate(accts):
            book.pay(a, accts[(i + 1) % n], 50, 24 * i, "wire")


def test_money_floors_and_caps_come_from_amount_quantiles(workspace, book, tmp_path: Path):
    _population(book)
    book.load(workspace)
    q05, q99 = amount_quantiles(workspace, [0.05, 0.99])
    assert 5 < q05 < 8 and 97 < q99 < 100
    cfg = only(default_rules_config(), ["structural_cycles", "fan_out"])
    result = calibrate(workspace, cfg, target_alert_rate=0.02)
    by = {(d.rule_id, d.param): d for d in result.decisions}
    floor = by[("fan_out", "min_payment")]  # 1,000 PKR is above the 5% quantile: lowered
    assert floor.new == float(f"{q05:.2g}") and "5% quantile" in floor.why
    # the money step only loosens: structural_cycles' 1 PKR is already below the quantile
    assert ("structural_cycles", "min_amount") not in by
    # 208 active accounts: 2% is 4 accounts; min_hops 5 alerts 1 (ring B), 4, 3 and 2
    # (looser than the default 3, and no ring of 2 here) alert 2
    hops = by[("structural_cycles", "min_hops")]
    assert result.accounts == 208 and hops.new == 2 and "2 of 208" in hops.why
    # every rule's floors and caps are proposed the same way (disabled rules are left alone)
    every = {
        (d.rule_id, d.param): d.new for d in money_decisions(workspace, default_rules_config())
    }
    assert every[("rapid_pass_through", "min_amount")] == floor.new
    assert ("crowdfunding_fan_in", "max_payment") not in every  # 10,000 PKR: above q99
    assert ("structuring", "threshold") not in every
    out = tmp_path / "rules.yaml"
    out.write_text(result.to_yaml())
    cfg2 = load_rules_config(out)
    assert cfg2.rules["structural_cycles"].params["min_hops"] == 2
    doc = yaml.safe_load(out.read_text())
    assert doc["provenance"]["tool"] == "cftwatch rules calibrate"
    assert doc["provenance"]["hub_alert_rate"] == 0.02  # the default hub budget, recorded
    assert "# structural_cycles.min_hops = 2" in out.read_text()


def test_a_tight_target_keeps_the_loosest_value_within_it(workspace, book):
    _population(book)
    book.load(workspace)
    cfg = only(default_rules_config(), ["structural_cycles"])
    result = calibrate(workspace, cfg, target_alert_rate=0.004)  # < 1 account
    hops = next(d for d in result.decisions if d.param == "min_hops")
    # min_hops 5 would alert ring B's anchor (1 account > 0.83): 6 alerts none
    assert hops.new == 6 and "0 of 208" in hops.why


def test_a_one_pass_rule_is_counted_from_one_run_as_if_run_per_value(workspace, book, monkeypatch):
    """structural_cycles (min_hops) runs once at its loosest value; each candidate's count
    is the one a run at that value gives."""
    from cftwatch.monitoring import calibrate as cal
    from cftwatch.monitoring.backtest import with_param

    for k, ring in enumerate([["A", "B", "C"], ["D", "E", "F", "G"], ["P", "Q", "R", "S", "T"]]):
        for i, a in enumerate(ring):
            book.pay(a, ring[(i + 1) % len(ring)], 400, 24 * (k + i), "wire")
    book.load(workspace)
    cfg = only(default_rules_config(), ["structural_cycles"])
    runs = {}
    for hops in (3, 4, 5, 6):
        one = with_param(cfg, "structural_cycles", "min_hops", hops)
        alerts = run_rules(workspace, one, record=False).alerts
        runs[hops] = (one.rules["structural_cycles"], set(alerts.column("subject_id").to_pylist()))
    with PreparedData(workspace) as data:  # a run releases the engine's caches: after them
        alerted = cal._alerted(data, cfg, "structural_cycles", "min_hops", 3)
        for hops, accounts in ((3, 3), (4, 2), (5, 1), (6, 0)):
            setting, one_run = runs[hops]
            assert len(alerted(hops)) == len(one_run) == accounts
            assert data.alerted_accounts(setting) == one_run


def test_the_search_finds_the_loosest_value_within_budget():
    from cftwatch.monitoring.calibrate import _loosest_within

    counts = {8: 0, 6: 1, 5: 3, 4: 3, 3: 9}
    asked: list[int] = []

    def count(v: int) -> int:
        asked.append(v)
        return counts[v]

    values = [8, 6, 5, 4, 3]
    assert _loosest_within(values, count, 3) == 3  # 4 is the loosest with at most 3
    assert len(asked) < len(values)
    assert _loosest_within(values, count, 0) == 0
    assert _loosest_within(values, count, 100) == 4
    assert _loosest_within(values, lambda v: 5, 1) == -1


def test_relative_amounts_are_kept_not_calibrated(workspace, book):
    _population(book)
    book.load(workspace)
    cfg = with_param(default_rules_config(), "fan_out", "min_payment", "q90")
    every = {(d.rule_id, d.param) for d in money_decisions(workspace, cfg)}
    assert ("fan_out", "min_payment") not in every
    assert ("fan_out", "min_total") in every  # a fixed amount next to it is still proposed
