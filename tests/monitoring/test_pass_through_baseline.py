"""`rapid_pass_through` judged against the account's own weekly inflows (`baseline_weeks`):
a hub that passes money through every week stays quiet, a week that jumps above the
account's habit still alerts, and `baseline_min_z` is a sharp bound (near miss)."""

from __future__ import annotations

from tests.monitoring.factory import Book, alerts_of
from tests.monitoring.test_rules import CASES

WEEK_H = 7 * 24
HISTORY = [3, 4, 3, 4, 3, 4]  # inflows in each of the six previous weeks: mean 3.5, sd 0.548


def _habit(b: Book) -> None:
    for k, n in enumerate(HISTORY, start=1):
        for i in range(n):
            b.pay(f"H{k}-{i}", "M", 1_000, -WEEK_H * k + i, "ibft")


def test_a_hub_passing_money_on_as_usual_is_quiet_with_the_baseline(workspace, book, engine):
    _habit(book)
    CASES["rapid_pass_through"](book, False)  # one inflow this week: below its habit
    book.load(workspace)
    off = {"baseline_weeks": 0}
    assert len(alerts_of(workspace, "rapid_pass_through", off, engine=engine)) == 1
    on = {"baseline_weeks": 8}
    assert alerts_of(workspace, "rapid_pass_through", on, engine=engine) == []
    assert alerts_of(workspace, "rapid_pass_through", engine=engine) == []  # default: on


def test_a_week_above_the_accounts_habit_alerts_and_the_z_bound_is_sharp(workspace, book, engine):
    _habit(book)
    expected = CASES["rapid_pass_through"](book, False)
    for i in range(4):  # five inflows this week: z = (5 - 3.5) / 0.5477 = 2.74
        book.pay(f"E{i}", "M", 1_000, 1 + i, "ibft")
    book.load(workspace)
    (alert,) = alerts_of(
        workspace, "rapid_pass_through", {"baseline_weeks": 8, "baseline_min_z": 2.7}, engine=engine
    )
    assert expected <= set(alert["txn_ids"])
    near = {"baseline_weeks": 8, "baseline_min_z": 2.8}
    assert alerts_of(workspace, "rapid_pass_through", near, engine=engine) == []


def test_an_account_without_history_is_judged_by_the_rule_alone(workspace, book, engine):
    CASES["rapid_pass_through"](book, False)
    book.load(workspace)
    on = {"baseline_weeks": 8, "baseline_min_z": 50}
    assert len(alerts_of(workspace, "rapid_pass_through", on, engine=engine)) == 1


def test_history_older_than_the_baseline_is_not_used(workspace, book, engine):
    _habit(book)
    CASES["rapid_pass_through"](book, False)
    book.load(workspace)
    # one previous week only: fewer than two earlier weeks, no history to judge by
    on = {"baseline_weeks": 1}
    assert len(alerts_of(workspace, "rapid_pass_through", on, engine=engine)) == 1


def _kept_inflows(b: Book, n: int) -> None:
    """`n` inflows of the rule's size the account keeps (nothing goes out after them), all
    in one earlier week: no weekly history to judge by, only the share passed on."""
    for i in range(n):
        b.pay(f"K{i}", "M", 500_000, -200 + i, "ibft")


def test_an_account_that_keeps_most_of_its_inflows_is_quiet(workspace, book, engine):
    """`min_account_pass_share` 0.2 (default): one inflow passed on of five alerts (0.2),
    of six does not (one kept inflow more: the near miss)."""
    expected = CASES["rapid_pass_through"](book, False)
    _kept_inflows(book, 4)
    book.load(workspace)
    (alert,) = alerts_of(workspace, "rapid_pass_through", engine=engine)
    assert expected <= set(alert["txn_ids"])
    assert alerts_of(workspace, "rapid_pass_through", {"min_account_pass_share": 0.21}) == []


def test_one_more_kept_inflow_silences_the_share(workspace, book, engine):
    CASES["rapid_pass_through"](book, False)
    _kept_inflows(book, 5)
    book.load(workspace)
    assert alerts_of(workspace, "rapid_pass_through", engine=engine) == []
    off = {"min_account_pass_share": 0}
    assert len(alerts_of(workspace, "rapid_pass_through", off, engine=engine)) == 1
