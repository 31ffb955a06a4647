"""The fan-in and velocity rules judged against the account's own weekly habit
(`baseline_weeks`, `baseline_min_z`; `cftwatch.monitoring.baseline.keep_unusual`): an
account that does this every week is quiet, a week far above its habit alerts, and the z
bound is sharp (near miss). `structural_cycles` leaves hubs out of rings
(`max_member_degree`, near miss)."""

from __future__ import annotations

import pytest

from tests.monitoring.factory import Book, alerts_of
from tests.monitoring.test_rules import CASES

WEEK_H = 7 * 24
HISTORY = [3, 4, 3, 4, 3, 4]  # payments in each of the six previous weeks: mean 3.5, sd 0.548
# With 15 (fan-in) payments this week z = (15 - 3.5) / 0.5477 = 20.996; 10 (cash-out): 11.87
FAN_IN = {"crowdfunding_fan_in": ("C", 20.9, 21.1), "cash_out_after_fan_in": ("C", 11.8, 11.9)}


def _inflow_habit(b: Book, acct: str, weeks: list[int]) -> None:
    for k, n in enumerate(weeks, start=1):
        for i in range(n):
            b.pay(f"H{k}-{i}", acct, 1_000, -WEEK_H * k + 12 * i, "ibft")


@pytest.mark.parametrize("rule_id", sorted(FAN_IN))
def test_fan_in_far_above_the_accounts_habit_alerts_and_the_z_bound_is_sharp(
    workspace, book, engine, rule_id
):
    acct, fires, misses = FAN_IN[rule_id]
    _inflow_habit(book, acct, HISTORY)
    expected = CASES[rule_id](book, False)
    book.load(workspace)
    assert len(alerts_of(workspace, rule_id, engine=engine)) == 1  # default: off
    (alert,) = alerts_of(
        workspace, rule_id, {"baseline_weeks": 8, "baseline_min_z": fires}, engine=engine
    )
    assert expected <= set(alert["txn_ids"])
    near = {"baseline_weeks": 8, "baseline_min_z": misses}
    assert alerts_of(workspace, rule_id, near, engine=engine) == []


def test_a_collector_that_is_paid_this_much_every_week_is_quiet(workspace, book, engine):
    # 14-16 payments a week, spread out (no fan-in episode of their own), then the case's 15
    _inflow_habit(book, "C", [14, 16, 15, 14, 16, 15])
    CASES["crowdfunding_fan_in"](book, False)
    book.load(workspace)
    off = {"burst_factor": 0}  # the rule's own burst check would also silence it
    assert len(alerts_of(workspace, "crowdfunding_fan_in", off, engine=engine)) == 1
    on = off | {"baseline_weeks": 8, "baseline_min_z": 3}
    assert alerts_of(workspace, "crowdfunding_fan_in", on, engine=engine) == []


def test_a_fan_in_without_history_is_judged_by_the_rule_alone(workspace, book, engine):
    CASES["crowdfunding_fan_in"](book, False)
    book.load(workspace)
    on = {"baseline_weeks": 8, "baseline_min_z": 50}
    assert len(alerts_of(workspace, "crowdfunding_fan_in", on, engine=engine)) == 1


def test_a_velocity_spike_far_above_the_weekly_habit_alerts_and_the_z_bound_is_sharp(
    workspace, book, engine
):
    expected = CASES["velocity_spike"](book, False)
    book.load(workspace)
    # epoch weeks start on Thursdays: the case's days 0-4, 5-11 and 12-18 pay out 50,000,
    # 70,000 and 70,000 (mean 63,333, sd 11,547); the spike's week 10,000 + 3 x 170,000:
    # z = (520,000 - 63,333) / 11,547 = 39.55
    assert len(alerts_of(workspace, "velocity_spike", engine=engine)) == 1  # default: off
    on = {"baseline_weeks": 8, "baseline_min_z": 39.5}
    (alert,) = alerts_of(workspace, "velocity_spike", on, engine=engine)
    assert expected <= set(alert["txn_ids"])
    near = on | {"baseline_min_z": 39.6}
    assert alerts_of(workspace, "velocity_spike", near, engine=engine) == []


def _ring_through(b: Book, hub_degree: int) -> set[str]:
    ids = CASES["structural_cycles"](b, False)
    for i in range(hub_degree - 2):  # B's other counterparties (A and C are two)
        b.pay(f"K{i}", "B", 300, 24 * i, "wire")
    return ids


def test_a_ring_through_a_hub_is_left_out_and_the_degree_bound_is_sharp(workspace, book, engine):
    expected = _ring_through(book, 10)
    book.load(workspace)
    (alert,) = alerts_of(workspace, "structural_cycles", {"max_member_degree": 10}, engine=engine)
    assert expected == set(alert["txn_ids"])
    assert alerts_of(workspace, "structural_cycles", {"max_member_degree": 9}, engine=engine) == []


def test_only_one_off_senders_count_when_asked_and_the_bound_is_sharp(workspace, book, engine):
    CASES["crowdfunding_fan_in"](book, False)  # 15 senders D0..D14, one payment each
    book.pay("D0", "C", 700, -24 * 30, "wallet")  # D0 paid C before: a regular payer
    book.load(workspace)
    assert len(alerts_of(workspace, "crowdfunding_fan_in", engine=engine)) == 1  # default: off
    twice = {"max_sender_payments": 2}
    assert len(alerts_of(workspace, "crowdfunding_fan_in", twice, engine=engine)) == 1
    once = {"max_sender_payments": 1}  # 14 one-off senders: one below min_senders
    assert alerts_of(workspace, "crowdfunding_fan_in", once, engine=engine) == []


def test_a_ring_of_standing_relationships_is_left_out_and_the_link_bound_is_sharp(
    workspace, book, engine
):
    """`max_link_payments` (default 2): a link paid three times in the data is a standing
    relationship, so the ring is not reported; allowing 3 payments per link reports it."""
    expected = CASES["structural_cycles"](book, False)
    book.load(workspace)
    assert len(alerts_of(workspace, "structural_cycles", engine=engine)) == 1  # links paid once
    earlier = [book.pay("A", "B", 400, -24 * 60 * k, "wire") for k in (1, 2)]  # A paid B before
    book.load(workspace, only=earlier)
    assert alerts_of(workspace, "structural_cycles", engine=engine) == []
    (alert,) = alerts_of(workspace, "structural_cycles", {"max_link_payments": 3}, engine=engine)
    assert expected <= set(alert["txn_ids"])
    off = alerts_of(workspace, "structural_cycles", {"max_link_payments": 0}, engine=engine)
    assert len(off) == 1
