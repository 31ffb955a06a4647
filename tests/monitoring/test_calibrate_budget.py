"""Calibration spends a rule's budget: a configured value within it is kept or loosened,
only one over it is tightened; per-rule budgets and the explored parameters are data on
the rule's record."""

from __future__ import annotations

import dataclasses

import pytest

from cftwatch.monitoring import builtin_rules, default_rules_config
from cftwatch.monitoring import calibrate as cal
from cftwatch.monitoring.backtest import only, with_param
from cftwatch.monitoring.spec import Budget, Sensitivity

RULE = "structural_cycles"  # min_hops, candidates 8, 6, 5, 4, 3, 2; default 3


def _fake(monkeypatch, by_value: dict[int, set[str]]) -> None:
    """Alerted accounts per min_hops value, instead of running the rule."""

    def alerted(data, cfg, rule_id, param, loosest, metric=None):
        return lambda v: frozenset(by_value[v])

    monkeypatch.setattr(cal, "_alerted", alerted)


def _accounts(n: int, tag: str = "a") -> set[str]:
    return {f"{tag}{i}" for i in range(n)}


COUNTS = {8: 0, 6: 1, 5: 2, 4: 3, 3: 4, 2: 9}


def _decide(cfg, target, hubs=frozenset(), hub_rate=1.0):
    return cal.rate_decision(None, cfg, RULE, 100, target, hubs, hub_rate)  # type: ignore[arg-type]


@pytest.fixture
def cfg():
    return only(default_rules_config(), [RULE])


def test_a_configured_value_within_budget_is_loosened_to_the_budget(monkeypatch, cfg):
    _fake(monkeypatch, {v: _accounts(n) for v, n in COUNTS.items()})
    d = _decide(cfg, 0.10)  # 10 of 100: every candidate fits; 2 is the loosest
    assert (d.old, d.new, d.action) == (3, 2, "loosened")
    assert "loosened from 3 (which keeps within the budget)" in d.why
    assert "9 of 100 active accounts (9.00%)" in d.why


def test_a_configured_value_at_the_edge_of_its_budget_is_kept(monkeypatch, cfg):
    _fake(monkeypatch, {v: _accounts(n) for v, n in COUNTS.items()})
    d = _decide(cfg, 0.05)  # 3 alerts 4 (within 5), 2 alerts 9 (over)
    assert (d.new, d.action) == (3, "kept") and "kept as configured" in d.why


def test_only_a_configured_value_over_budget_is_tightened(monkeypatch, cfg):
    _fake(monkeypatch, {v: _accounts(n) for v, n in COUNTS.items()})
    d = _decide(cfg, 0.02)  # 3 alerts 4 > 2: tightened to 5 (2 alerts)
    assert (d.new, d.action) == (5, "tightened")
    assert "tightened from 3, whose alerts reach 4 of 100 active accounts" in d.why
    d = _decide(cfg, 0.0)  # nothing but 8 fits
    assert (d.new, d.action) == (8, "tightened")


def test_within_budget_a_stricter_value_is_never_chosen_even_if_counts_are_not_monotone(
    monkeypatch, cfg
):
    """Alerts need not grow with looseness on every data set (a deduplicated episode can
    split); the configured value within budget is a floor on the search."""
    counts = {8: 0, 6: 1, 5: 1, 4: 9, 3: 2, 2: 9}
    _fake(monkeypatch, {v: _accounts(n) for v, n in counts.items()})
    d = _decide(cfg, 0.05)
    assert (d.new, d.action) == (3, "kept")


def test_hub_budget_counts_and_the_rules_own_budget_scales_it(monkeypatch, cfg):
    hubs = frozenset(_accounts(10, "h"))
    by_value = {v: _accounts(n) | set(sorted(hubs)[: max(0, n - 2)]) for v, n in COUNTS.items()}
    _fake(monkeypatch, by_value)  # 3 alerts 2 of the 10 hubs, 2 alerts 7 of them
    d = _decide(cfg, 0.5, hubs, 0.1)  # at most 1 hub: 4 (1 hub) is the loosest; 3 is over
    assert (d.new, d.action) == (4, "tightened") and "hub-like accounts" in d.why
    spec = cfg.rules[RULE].spec.model_copy(update={"budget": Budget(hub_rate=2.0)})
    wider = dataclasses.replace(cfg, rules={RULE: dataclasses.replace(cfg.rules[RULE], spec=spec)})
    d = _decide(wider, 0.5, hubs, 0.1)  # twice the hub budget: 2 hubs, 3 is within it
    assert (d.new, d.action) == (3, "kept") and "20% of hub-like accounts" in d.why


def test_every_rule_declares_what_calibration_explores_on_its_record():
    specs = {s.id: s for s in builtin_rules()}
    explored = {rid for rid, s in specs.items() if s.sensitivity}
    assert {"structural_cycles", "one_off_fan_in", "one_off_fan_out", "fan_out"} <= explored
    for s in specs.values():
        defaults = s.defaults()
        for step in s.sensitivity:
            assert list(step.candidates) == sorted(step.candidates, reverse=True), s.id
            values = cal.candidates(step.candidates, defaults[step.param])
            assert defaults[step.param] in values, (s.id, step.param)
            assert all(s.param(step.param).check(v)[1] is None for v in step.candidates), s.id
    steps = [st.param for st in specs["one_off_fan_in"].sensitivity]
    assert steps == ["min_counterparties", "burst_factor"]  # count first, then the burst


def test_a_sensitivity_naming_no_parameter_is_refused():
    spec = next(s for s in builtin_rules() if s.id == RULE)
    with pytest.raises(ValueError, match="unknown parameter"):
        type(spec)(**{**dict(spec), "sensitivity": (Sensitivity(param="nope", candidates=(1,)),)})


def test_with_param_keeps_the_record(cfg):
    assert with_param(cfg, RULE, "min_hops", 4).rules[RULE].spec.sensitivity


def test_a_cap_is_raised_to_the_median_never_to_every_payment(workspace, book):
    """A cap keeps a typology's small payments in view: raised at most to the median of
    the institution's amounts (100 payments of 1..100: the median is 50.5)."""
    for i in range(100):
        book.pay(f"P{i}", f"Q{i}", i + 1, i, "ach")
    book.load(workspace)
    (median,) = cal.amount_quantiles(workspace, [cal.CAP_QUANTILE])
    cfg = with_param(default_rules_config(), "crowdfunding_fan_in", "max_payment", 10)
    by = {(d.rule_id, d.param): d for d in cal.money_decisions(workspace, cfg)}
    cap = by[("crowdfunding_fan_in", "max_payment")]
    assert cap.new == float(f"{median:.2g}") == 50.0 and "50% quantile" in cap.why
    cfg = with_param(cfg, "crowdfunding_fan_in", "max_payment", 60)  # above the median: kept
    assert ("crowdfunding_fan_in", "max_payment") not in {
        (d.rule_id, d.param) for d in cal.money_decisions(workspace, cfg)
    }
