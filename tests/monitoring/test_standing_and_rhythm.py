"""Volume rules judged against the account's own relationships and rhythm: payments on a
standing pair are no pass-through or cycle (`standing_payments`), a pass-through an account
does every few weeks is its routine (`max_earlier_episodes`), a payer resuming after a pause
is no reactivation (`count_known_senders`), and dormancy is measured against the account's
longest earlier gap (`min_gap_ratio`); calibration keeps hub-like accounts within a budget.
Each with its near miss."""

from __future__ import annotations

from typing import Any

from cftwatch.monitoring import default_rules_config
from cftwatch.monitoring.calibrate import rate_decision
from tests.monitoring.factory import alerts_of
from tests.monitoring.test_rules import CASES

DAY_H = 24


def test_a_pass_through_from_a_standing_payer_is_quiet(workspace, book, engine):
    book.pay("X", "M", 1_000, -300 * DAY_H, "ibft")  # X paid M 300 days ago: a standing payer
    CASES["rapid_pass_through"](book, False)
    book.load(workspace)
    assert alerts_of(workspace, "rapid_pass_through", engine=engine) == []
    off = {"standing_payments": 0}
    assert len(alerts_of(workspace, "rapid_pass_through", off, engine=engine)) == 1


def test_a_pair_older_than_standing_days_is_fresh_again(workspace, book, engine):
    book.pay("X", "M", 1_000, -300 * DAY_H, "ibft")
    CASES["rapid_pass_through"](book, False)
    book.load(workspace)
    near = {"standing_days": 299}  # the earlier payment is 300 days back: outside
    assert len(alerts_of(workspace, "rapid_pass_through", near, engine=engine)) == 1
    two = {"standing_payments": 2}  # one earlier payment is not yet two
    assert len(alerts_of(workspace, "rapid_pass_through", two, engine=engine)) == 1


def test_a_pass_through_the_account_did_weeks_before_is_its_routine(workspace, book, engine):
    first = CASES["rapid_pass_through"](book, False)
    book.pay("X2", "M", 500_000, 14 * DAY_H, "ibft")  # two weeks later, fresh pairs again
    book.pay("M", "Y2", 400_000, 14 * DAY_H + 10, "ibft")
    book.load(workspace)
    (alert,) = alerts_of(workspace, "rapid_pass_through", engine=engine)
    assert set(alert["txn_ids"]) == first
    every = {"max_earlier_episodes": -1}
    assert len(alerts_of(workspace, "rapid_pass_through", every, engine=engine)) == 2
    one = {"max_earlier_episodes": 1}
    assert len(alerts_of(workspace, "rapid_pass_through", one, engine=engine)) == 2


def test_a_cycle_on_standing_pairs_is_quiet(workspace, book, engine):
    book.pay("A", "B", 10_000, -30 * DAY_H, "ibft")
    book.pay("B", "C", 10_000, -29 * DAY_H, "ibft")
    book.pay("C", "A", 10_000, -28 * DAY_H, "ibft")
    CASES["short_cycles"](book, False)
    book.load(workspace)
    assert alerts_of(workspace, "short_cycles", engine=engine) == []
    off = {"standing_payments": 0}
    assert len(alerts_of(workspace, "short_cycles", off, engine=engine)) >= 1


def test_a_payer_resuming_after_a_pause_is_no_reactivation(workspace, book, engine):
    book.pay("F0", "Q", 1_000, -DAY_H, "remittance")  # F0 paid Q before the silence...
    book.pay("F1", "Q", 1_000, -DAY_H, "remittance")  # ...and so did F1
    CASES["dormant_reactivation"](book, False)
    book.load(workspace)
    assert alerts_of(workspace, "dormant_reactivation", engine=engine) == []
    known = {"count_known_senders": 1}
    assert len(alerts_of(workspace, "dormant_reactivation", known, engine=engine)) == 1


def test_dormancy_is_judged_against_the_accounts_longest_earlier_gap(workspace, book, engine):
    for d in (0, 70, 140):  # a customer seen every 70 days: its longest gap is 70 days
        book.pay("AG", "Q", 5_000, d * DAY_H, "cash_in")
    for i in range(2):  # 209 days of silence: under 3 x 70
        book.pay(f"F{i}", "Q", 60_000, (140 + 209) * DAY_H + 3 * i, "remittance")
    book.pay("AG", "R", 5_000, 0, "cash_in")  # R: the same with 210 days, exactly 3 x 70
    book.pay("AG", "R", 5_000, 70 * DAY_H, "cash_in")
    for i in range(2):
        book.pay(f"G{i}", "R", 60_000, (70 + 210) * DAY_H + 3 * i, "remittance")
    book.load(workspace)
    alerted = {a["subject_id"] for a in alerts_of(workspace, "dormant_reactivation", engine=engine)}
    assert alerted == {"R"}
    off = {"min_gap_ratio": 0}
    got = {
        a["subject_id"] for a in alerts_of(workspace, "dormant_reactivation", off, engine=engine)
    }
    assert got == {"Q", "R"}


class _FakeData:
    """Alerted accounts per `velocity_spike.factor`: looser values alert more hubs."""

    def __init__(self, by_value: dict[int, set[str]]) -> None:
        self.by_value = by_value

    def alerted_accounts(self, setting: Any) -> set[str]:
        return self.by_value[setting.params["factor"]]


def test_calibration_keeps_hub_like_accounts_within_their_budget():
    hubs = frozenset(f"H{i}" for i in range(10))
    by_value = {50: {"a1"}, 30: {"a1"}, 20: {"a1"}}
    by_value[10] = {"a1", "H0"}  # 1 of 10 hubs: within 10 %
    by_value[5] = {"a1", "H0", "H1"}  # 2 of 10: over 10 %, though few accounts overall
    by_value[3] = {"a1", "H0", "H1", "H2"}  # looser than the default 10 is tried too
    cfg = default_rules_config()
    d = rate_decision(_FakeData(by_value), cfg, "velocity_spike", 1_000, 0.05, hubs, 0.1)  # type: ignore[arg-type]
    assert d is not None and d.new == 10
    assert "1 of the 10 hub-like accounts (10.0%)" in d.why
    free = rate_decision(_FakeData(by_value), cfg, "velocity_spike", 1_000, 0.05)  # type: ignore[arg-type]
    assert free is not None and free.new == 3 and "hub-like" not in free.why
