"""Long patterns and date-only data: windows and waits up to 365 days, cycles up to 10 hops,
and same-day legs on data whose timestamps are all at midnight (`same_day_legs`)."""

from __future__ import annotations

import pytest

from cftwatch.errors import RuleConfigError
from cftwatch.monitoring import builtin_rules, resolve_rules_config, run_rules
from cftwatch.monitoring.params import MAX_DAYS, MAX_HOPS, MAX_HOURS
from tests.monitoring.factory import Book, alerts_of
from tests.monitoring.test_rules import CASES

TIME_UNITS = {"days": MAX_DAYS, "hours": MAX_HOURS}
LONGER = {"dormancy_days"}  # silence of up to ten years, not a window


def _time_params() -> list[tuple[str, str, str]]:
    return [
        (r.id, p.name, p.unit)
        for r in builtin_rules()
        for p in r.params
        if p.unit in TIME_UNITS and p.name not in LONGER
    ]


@pytest.mark.parametrize(("rule_id", "name", "unit"), _time_params())
def test_every_window_and_wait_accepts_a_year(rule_id, name, unit):
    value = TIME_UNITS[unit]
    cfg = resolve_rules_config({"rules": {rule_id: {"params": {name: value}}}})
    assert cfg.rules[rule_id].params[name] == value
    with pytest.raises(RuleConfigError, match="above the maximum"):
        resolve_rules_config({"rules": {rule_id: {"params": {name: 10 * value}}}})


def test_cycles_up_to_ten_hops():
    cfg = resolve_rules_config({"rules": {"short_cycles": {"params": {"max_hops": MAX_HOPS}}}})
    assert cfg.rules["short_cycles"].params["max_hops"] == 10
    with pytest.raises(RuleConfigError, match="above the maximum"):
        resolve_rules_config({"rules": {"short_cycles": {"params": {"max_hops": 11}}}})


def _long_cycle(b: Book, hops: int, gap_days: int) -> set[str]:
    names = [f"N{i}" for i in range(hops)]
    amount = 100_000.0
    ids = set()
    for i, src in enumerate(names):
        ids.add(b.pay(src, names[(i + 1) % hops], round(amount), 24 * gap_days * i, "wire"))
        amount *= 0.99
    return ids


def test_a_ten_hop_cycle_over_months_is_found_with_long_settings(workspace, book, engine):
    expected = _long_cycle(book, 10, 20)  # 10 hops, 20 days apart: 180 days in all
    book.load(workspace)
    assert alerts_of(workspace, "short_cycles", engine=engine) == []  # defaults: 5 hops, 7 days
    long = {"max_hops": 10, "max_hop_hours": 24 * 21, "window_days": 181}
    (alert,) = alerts_of(workspace, "short_cycles", long, engine=engine)
    assert set(alert["txn_ids"]) == expected
    # one step below: the window one day short of the cycle's span
    assert alerts_of(workspace, "short_cycles", {**long, "window_days": 179}, engine=engine) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_date_only_data(workspace, rule_id, engine):
    book = Book(date_only=True)
    expected = CASES[rule_id](book, False)
    book.load(workspace)
    run = run_rules(
        workspace, resolve_rules_config({}), engine=engine, rule_ids=[rule_id], record=False
    )
    assert run.date_only
    alerts = run.alerts.to_pylist()
    assert len(alerts) == 1, [a["explanation"] for a in alerts]
    assert set(alerts[0]["txn_ids"]) >= expected


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_near_miss_stays_quiet_on_date_only_data(workspace, rule_id, engine):
    book = Book(date_only=True)
    CASES[rule_id](book, True)
    book.load(workspace)
    assert alerts_of(workspace, rule_id, engine=engine) == []


SAME_DAY = {
    "short_cycles": lambda b: {
        b.pay("A", "B", 100_000, 0, "ibft"),
        b.pay("B", "C", 98_000, 0, "ibft"),
        b.pay("C", "A", 96_000, 0, "ibft"),
    },
    "rapid_pass_through": lambda b: {
        b.pay("X", "M", 500_000, 0, "ibft"),
        b.pay("M", "Y", 450_000, 0, "ibft"),
    },
    "scatter_gather": lambda b: {
        t
        for i in range(4)
        for t in (b.pay("S", f"M{i}", 50_000, 0), b.pay(f"M{i}", "T", 45_000, 0))
    },
}


@pytest.mark.parametrize("rule_id", sorted(SAME_DAY))
def test_same_day_legs_are_sequential_on_date_only_data(workspace, rule_id, engine):
    book = Book(date_only=True)
    expected = SAME_DAY[rule_id](book)
    book.load(workspace)
    (alert,) = alerts_of(workspace, rule_id, engine=engine)  # auto: date-only data detected
    assert set(alert["txn_ids"]) == expected
    strict = {"same_day_legs": "strict"}
    assert alerts_of(workspace, rule_id, settings=strict, engine=engine) == []


@pytest.mark.parametrize("rule_id", sorted(SAME_DAY))
def test_same_timestamp_needs_sequential_on_timed_data(workspace, rule_id, engine):
    book = Book()  # 09:00, not midnight: the data has times, and equal times are not an order
    expected = SAME_DAY[rule_id](book)
    book.load(workspace)
    assert alerts_of(workspace, rule_id, engine=engine) == []
    seq = {"same_day_legs": "sequential"}
    (alert,) = alerts_of(workspace, rule_id, settings=seq, engine=engine)
    assert set(alert["txn_ids"]) == expected


def test_a_same_day_cycle_is_found_once_not_once_per_member(workspace):
    book = Book(date_only=True)  # equal amounts: every rotation passes the amount bands
    expected = {book.pay(a, b, 100_000, 0, "ibft") for a, b in ("AB", "BC", "CA")}
    book.load(workspace)
    (alert,) = alerts_of(workspace, "short_cycles")
    assert set(alert["txn_ids"]) == expected


def test_same_day_legs_setting_is_validated():
    with pytest.raises(RuleConfigError, match="expected one of auto, sequential, strict"):
        resolve_rules_config({"settings": {"same_day_legs": "maybe"}})
