from __future__ import annotations

import itertools
from decimal import Decimal

from cftwatch.streaming import (
    FanIn,
    Leg,
    MemoryStateStore,
    PassThrough,
    StreamingRules,
    Structuring,
    Velocity,
    legs_of,
    signals,
)
from cftwatch.streaming.windows import fan_in, pass_through, structuring, velocity

H = 3600.0
D = 86_400.0


_ids = itertools.count(1)


def leg(ts: float, direction: str, amount: str, who: str, channel: str = "wallet") -> Leg:
    return Leg(ts, f"t{next(_ids)}", direction, Decimal(amount), who, channel)  # type: ignore[arg-type]


def test_fan_in_counts_distinct_small_senders_in_the_window() -> None:
    p = FanIn(min_senders=3, window_hours=2, max_payment=Decimal(100))
    legs = [
        leg(0, "in", "50", "a"),
        leg(1 * H, "in", "50", "b"),
        leg(1.5 * H, "in", "50", "b"),  # the same sender again
        leg(1.6 * H, "in", "500", "c"),  # too large to count
    ]
    assert fan_in(legs, legs[-1], p) is None
    late = leg(2.5 * H, "in", "60", "d")  # a (at 0) has left the window
    assert fan_in([*legs, late], late, p) is None
    now = leg(1.9 * H, "in", "60", "d")
    s = fan_in([*legs, now], now, p)
    assert s is not None and s.numbers["senders"] == 3 and s.numbers["payments"] == 4
    assert s.numbers["amount"] == Decimal(210)


def test_structuring_needs_deposits_just_under_the_threshold() -> None:
    p = Structuring(threshold=Decimal(1000), lower_fraction=0.9, min_deposits=3, window_days=7)
    legs = [leg(i * D, "in", "950", "x", "cash_in") for i in range(3)]
    s = structuring(legs, legs[-1], p)
    assert s is not None and s.numbers["deposits"] == 3
    over = leg(3 * D, "in", "1000", "x", "cash_in")
    assert structuring([*legs, over], over, p) is None
    wallet = [leg(i * D, "in", "950", "x", "wallet") for i in range(3)]
    assert structuring(wallet, wallet[-1], p) is None


def test_pass_through_is_most_of_an_inflow_leaving_soon() -> None:
    p = PassThrough(min_amount=Decimal(1000), min_pass_share=0.8, max_hours=24)
    inflow = leg(0, "in", "10000", "src")
    small_out = leg(1 * H, "out", "2000", "x")
    assert pass_through([inflow, small_out], small_out, p) is None
    big_out = leg(2 * H, "out", "7000", "y")
    s = pass_through([inflow, small_out, big_out], big_out, p)
    assert s is not None and s.numbers["share"] == 0.9 and s.numbers["inflow"] == Decimal(10000)
    too_late = leg(30 * H, "out", "9000", "z")
    assert pass_through([inflow, too_late], too_late, p) is None


def test_velocity_compares_a_day_with_the_days_before() -> None:
    p = Velocity(factor=5, baseline_days=10, min_amount=Decimal(1000), min_payments=2)
    history = [leg(i * D, "out", "100", "x") for i in range(10)]
    burst = [leg(10.5 * D, "out", "3000", "y"), leg(10.6 * D, "out", "3000", "z")]
    s = velocity([*history, *burst], burst[-1], p)
    assert s is not None and s.numbers["day_outflow"] == Decimal(6000)
    assert s.numbers["baseline_mean"] == Decimal("100.00")
    calm = [leg(10.5 * D, "out", "200", "y"), leg(10.6 * D, "out", "300", "z")]
    assert velocity([*history, *calm], calm[-1], p) is None


def test_the_memory_store_evicts_on_read_and_keeps_a_leg_once() -> None:
    store = MemoryStateStore()
    first = leg(0, "in", "1", "a")
    assert store.add("acct", first, 10) == [first]
    assert store.add("acct", first, 10) == [first]  # a repeat is ignored
    later = leg(20, "in", "1", "b")
    assert store.add("acct", later, 10) == [later]  # the first fell out of the horizon


def test_signals_run_every_enabled_rule() -> None:
    rules = StreamingRules(
        fan_in=FanIn(min_senders=2, window_hours=1, max_payment=Decimal(10)),
        structuring=None,
        pass_through=None,
        velocity=None,
    )
    store = MemoryStateStore()
    fired = []
    for i, who in enumerate("ab"):
        for account, x in legs_of(f"p{i}", i * 60.0, Decimal(5), "wallet", who, "W"):
            fired += signals(rules, x, store.add(account, x, rules.horizon_s))
    assert [s.rule_id for s in fired] == ["crowdfunding_fan_in"]
    assert rules.horizon_s == D  # at least a day is kept


def test_a_window_is_found_by_bisection_as_by_a_scan() -> None:
    """`_within` on a time-ordered buffer: the legs a scan keeps, in order, at the edges too."""
    import random

    from cftwatch.streaming.model import Leg as _Leg
    from cftwatch.streaming.windows import _within

    rng = random.Random(3)
    for _ in range(200):
        times = sorted(
            rng.choice([0.0, 5.0, 10.0, 10.5, 20.0, 30.0]) for _ in range(rng.randrange(12))
        )
        buffer = [_Leg(t, f"t{i}", "in", Decimal(1), "x", "wallet") for i, t in enumerate(times)]
        now, span = rng.choice([10.0, 20.0, 30.0, 35.0]), rng.choice([0.0, 10.0, 20.0])
        assert _within(buffer, now, span) == [x for x in buffer if now - span <= x.ts <= now]
