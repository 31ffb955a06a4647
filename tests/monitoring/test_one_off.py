"""The one-off counterparty fan rules (`one_off_fan_in`, `one_off_fan_out`,
`one_off_collector`): new counterparties paid once, judged against the account's own habit
and the counterparty's, over windows of months; sentences name the counterparties."""

from __future__ import annotations

import pytest

from cftwatch.monitoring import builtin_rules
from cftwatch.monitoring.rules._one_off import listed
from tests.monitoring.factory import Book, alerts_of
from tests.monitoring.test_rules import CASES, _standing

DAY_H = 24


def _fan_in_months_apart(b: Book, senders: int, gap_days: int = 70) -> set[str]:
    """`senders` one-off payers of C, `gap_days` apart, next to a monthly employer."""
    _standing(b, "E", "C")
    return {b.pay(f"D{i}", "C", 20_000, DAY_H * (gap_days * i + 5), "wire") for i in range(senders)}


def test_fan_in_legs_months_apart_fire_within_the_long_window(workspace, book, engine):
    ids = _fan_in_months_apart(book, 3, gap_days=110)  # 220 days from first to last
    book.load(workspace)
    (alert,) = alerts_of(workspace, "one_off_fan_in", engine=engine)
    assert set(alert["txn_ids"]) == ids
    assert "D0, D1 and D2" in alert["explanation"]
    # one step below: a window one day shorter than the legs' span
    assert alerts_of(workspace, "one_off_fan_in", {"window_days": 219}, engine=engine) == []


def test_a_standing_sender_is_no_new_counterparty(workspace, book):
    _standing(book, "E", "C")
    for i in range(3):
        for m in range(2):  # each pays C twice: not one-off
            book.pay(f"D{i}", "C", 20_000, DAY_H * (20 * i + 90 * m), "wire")
    book.load(workspace)
    assert alerts_of(workspace, "one_off_fan_in") == []
    assert len(alerts_of(workspace, "one_off_fan_in", {"max_pair_payments": 2})) == 1


def test_an_account_that_always_gains_new_senders_is_judged_by_its_habit(workspace, book):
    # C gains a new one-off sender every 10 days for two years: three in 30 days is its habit
    for i in range(73):
        book.pay(f"N{i}", "C", 20_000, DAY_H * 10 * i, "wire")
    book.load(workspace)
    params = {"window_days": 30, "burst_factor": 2}
    assert alerts_of(workspace, "one_off_fan_in", params) == []
    assert alerts_of(workspace, "one_off_fan_in", {**params, "burst_factor": 0}) != []


def test_a_sender_that_pays_new_accounts_all_the_time_does_not_count(workspace, book):
    ids = _fan_in_months_apart(book, 3)
    for j in range(11):  # D0 also pays eleven other accounts once: a benign fan-out payer
        book.pay("D0", f"X{j}", 1_000, DAY_H * (3 * j + 1), "wire")
    book.load(workspace)
    assert alerts_of(workspace, "one_off_fan_in") == []  # D0 has 12 one-offs > 10
    (alert,) = alerts_of(workspace, "one_off_fan_in", {"max_counterparty_one_offs": 12})
    assert set(alert["txn_ids"]) == ids


def test_fan_out_names_its_recipients_and_respects_the_total_floor(workspace, book, engine):
    CASES["one_off_fan_out"](book, False)
    book.load(workspace)
    (alert,) = alerts_of(workspace, "one_off_fan_out", engine=engine)
    assert "3 new recipients" in alert["explanation"] and "R0, R1 and R2" in alert["explanation"]
    total = 20_000 + 20_001 + 20_002
    assert alerts_of(workspace, "one_off_fan_out", {"min_total": total}) != []
    assert alerts_of(workspace, "one_off_fan_out", {"min_total": total + 1}) == []


def test_collector_needs_the_money_to_leave(workspace, book, engine):
    CASES["one_off_collector"](book, False)
    book.load(workspace)
    (alert,) = alerts_of(workspace, "one_off_collector", engine=engine)
    assert "93%" in alert["explanation"] and "K0, K1 and K2" in alert["explanation"]
    assert alerts_of(workspace, "one_off_collector", {"min_forward_share": 0.94}) == []
    assert alerts_of(workspace, "one_off_collector", {"min_counterparties": 4}) == []


@pytest.mark.parametrize("rule_id", ["one_off_fan_in", "one_off_fan_out", "one_off_collector"])
def test_merchants_are_left_out(workspace, book, rule_id):
    CASES[rule_id](book, False)
    for acct in ("C", "S", "H"):
        book.account(acct, party_type="merchant")
    book.load(workspace)
    assert alerts_of(workspace, rule_id) == []


def test_listing_caps_the_names():
    assert listed(["A"]) == "A"
    assert listed(["A", "B"]) == "A and B"
    assert listed([f"A{i}" for i in range(10)]).endswith("A7 and 2 others")


def test_windows_reach_a_year():
    for r in builtin_rules():
        if r.id.startswith("one_off_"):
            assert r.param("window_days").maximum == 365


def test_without_a_history_of_its_own_an_account_is_not_judged(workspace, book):
    # 30 days of data: C has no window of history outside the window, so three new
    # senders say nothing about it; with the comparison off the counts alone alert
    for i in range(3):
        book.pay(f"D{i}", "C", 20_000, DAY_H * (5 * i + 1), "wire")
    book.load(workspace)
    assert alerts_of(workspace, "one_off_fan_in") == []
    assert len(alerts_of(workspace, "one_off_fan_in", {"burst_factor": 0})) == 1
