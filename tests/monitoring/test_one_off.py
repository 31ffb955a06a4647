"""The one-off counterparty fan rules (`one_off_fan_in`, `one_off_fan_out`,
`one_off_collector`): new counterparties paid once, judged against the account's own habit
and the counterparty's, over windows of months; sentences name the counterparties."""

from __future__ import annotations

import pytest

from cftwatch.monitoring import builtin_rules
from cftwatch.monitoring.rules._one_off import listed
from tests.monitoring.factory import Book, alerts_of
from tests.monitoring.test_rules import CASES, USD_PER_PKR, _standing

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


def _book(kind: str, workspace) -> Book:
    """A PKR book, a USD book (the institution's currency, PKR-written floors converted) or
    a date-only PKR book."""
    if kind == "USD":
        workspace.config.institution.currency = "USD"
        workspace.config.institution.exchange_rates = {"PKR": USD_PER_PKR}
        return Book(currency="USD", scale=USD_PER_PKR)
    return Book(date_only=kind == "date-only")


def _new_collector(b: Book, busy_peers: int) -> set[str]:
    """Forty established wallets paying each other monthly for 18 months; H, a wallet of the
    same kind, is opened in month 13 and within 25 days is paid by three new senders and
    pays three new recipients; `busy_peers` other established wallets of its kind each gain
    three new one-off senders in the same weeks."""
    for i in range(20):
        b.account(f"E{i}")
        b.account(f"P{i}")
        _standing(b, f"E{i}", f"P{i}")
    b.account("H")
    start = DAY_H * 400
    ids = {b.pay(f"G{i}", "H", 30_000, start + DAY_H * 5 * i, "wire") for i in range(3)}
    ids |= {b.pay("H", f"K{i}", 28_000, start + DAY_H * (15 + 5 * i), "ach") for i in range(3)}
    for j in range(busy_peers):
        b.account(f"Q{j}")
        _standing(b, f"QE{j}", f"Q{j}")  # established: peers with a history of their own
        for i in range(3):
            b.pay(f"QS{j}_{i}", f"Q{j}", 30_000, start + DAY_H * (3 * i + j % 5), "wire")
    return ids


@pytest.mark.parametrize("kind", ["PKR", "USD", "date-only"])
def test_a_new_collector_is_judged_against_accounts_of_its_kind(workspace, kind):
    book = _book(kind, workspace)
    ids = _new_collector(book, busy_peers=0)
    book.load(workspace)
    (alert,) = alerts_of(workspace, "one_off_collector")
    assert set(alert["txn_ids"]) == ids
    text = alert["explanation"]
    assert "new account: 3 new one-off counterparties on each side in 60 days" in text
    assert "where 90% of accounts of its kind have at most 0." in text
    # without the peer comparison a new account has no history to be judged by
    assert alerts_of(workspace, "one_off_collector", {"new_account_quantile": 0}) == []


def test_on_data_shorter_than_two_windows_a_new_account_has_no_peers_to_be_judged_by(
    workspace, book
):
    # 40 days of data: every account is new, so nobody's habit says what is usual
    for i in range(3):
        book.pay(f"G{i}", "H", 30_000, DAY_H * 5 * i, "wire")
        book.pay("H", f"K{i}", 28_000, DAY_H * (15 + 5 * i), "ach")
        book.pay(f"E{i}", f"P{i}", 1_000, DAY_H * 40, "ach")
    book.load(workspace)
    assert alerts_of(workspace, "one_off_collector") == []
    assert len(alerts_of(workspace, "one_off_collector", {"burst_factor": 0})) == 1


@pytest.mark.parametrize("kind", ["PKR", "USD", "date-only"])
def test_a_new_collector_whose_peers_gain_as_many_new_senders_is_quiet(workspace, kind):
    # one step below: a fifth of H's peers gain three new senders too, so three is within
    # what 90% of accounts of its kind see
    book = _book(kind, workspace)
    _new_collector(book, busy_peers=20)
    book.load(workspace)
    assert alerts_of(workspace, "one_off_collector") == []


def test_busy_accounts_of_another_kind_are_no_peers(workspace, book):
    _new_collector(book, busy_peers=20)
    for j in range(20):  # the busy wallets are current accounts: H is judged by wallets
        book.account(f"Q{j}", account_type="current")
    book.load(workspace)
    assert len(alerts_of(workspace, "one_off_collector")) == 1


def test_new_account_peer_comparison_runs_on_every_engine(workspace, book, engine):
    ids = _new_collector(book, busy_peers=0)
    book.load(workspace)
    (alert,) = alerts_of(workspace, "one_off_collector", engine=engine)
    assert set(alert["txn_ids"]) == ids and "new account" in alert["explanation"]
    params = {"new_account_quantile": 0.9, "burst_factor": 2}
    (fan_in,) = alerts_of(workspace, "one_off_fan_in", {**params, "window_days": 30}, engine=engine)
    assert "new account: 3 new one-off senders in 30 days" in fan_in["explanation"]


def test_few_payments_make_an_account_new(workspace, book):
    # C has 18 months of history but 22 payments in all, one of them from an earlier
    # one-off sender Z (its habit: about one new sender a year, far below three in 60 days
    # times 1000); with `min_history_payments` 23 it is new, judged against its peers
    ids = _fan_in_months_apart(book, 3, gap_days=20)
    book.pay("Z", "C", 20_000, DAY_H * 300, "wire")
    for i in range(20):  # its peers: 24 payments each, established at either bound
        _standing(book, f"E{i}", f"P{i}", months=24)
    book.load(workspace)
    params = {"new_account_quantile": 0.9, "burst_factor": 1000, "window_days": 60}
    assert alerts_of(workspace, "one_off_fan_in", {**params, "min_history_payments": 22}) == []
    (alert,) = alerts_of(workspace, "one_off_fan_in", {**params, "min_history_payments": 23})
    assert set(alert["txn_ids"]) == ids and "new account" in alert["explanation"]


def test_fan_out_counts_only_recipients_for_which_the_payment_is_rare(workspace, book):
    CASES["one_off_fan_out"](book, False)
    for i in range(2):  # R0 has three one-off senders: S and two others (the bound)
        book.pay(f"X{i}", "R0", 1_000, DAY_H * (3 * i + 1), "wire")
    book.load(workspace)
    assert len(alerts_of(workspace, "one_off_fan_out")) == 1
    book.pay("X2", "R0", 1_000, DAY_H * 9, "wire")  # one step beyond: R0 is busy
    book.load(workspace)
    assert alerts_of(workspace, "one_off_fan_out") == []


def test_fan_out_habit_keeps_the_busy_payees(workspace, book):
    # S pays a new busy payee (four one-off senders each) every 10 days for two years,
    # then three quiet recipients within 90 days: its habit of new payees is 9 per 90 days
    for i in range(70):
        book.pay("S", f"B{i}", 5_000, DAY_H * 10 * i, "wire")
        for j in range(3):
            book.pay(f"O{i}_{j}", f"B{i}", 5_000, DAY_H * (10 * i + 1), "wire")
    for i in range(3):
        book.pay("S", f"R{i}", 20_000, DAY_H * (300 + 20 * i), "wire")
    book.load(workspace)
    assert alerts_of(workspace, "one_off_fan_out") == []
    assert len(alerts_of(workspace, "one_off_fan_out", {"habit_counts_busy": 0})) == 1
