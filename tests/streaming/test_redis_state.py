"""The Redis backend gives the same buffers as the embedded one (needs a Redis server:
CFTWATCH_TEST_REDIS_URL; CI starts one, and CFTWATCH_REQUIRE_REDIS=1 fails the skip)."""

from __future__ import annotations

import os
import uuid
from decimal import Decimal

import pytest

from cftwatch.errors import ConfigError
from cftwatch.streaming import Leg, MemoryStateStore, StateUnavailable, open_state_store


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("CFTWATCH_TEST_REDIS_URL")
    if not url:
        if os.environ.get("CFTWATCH_REQUIRE_REDIS") == "1":
            pytest.fail("CFTWATCH_REQUIRE_REDIS=1 but CFTWATCH_TEST_REDIS_URL is not set")
        pytest.skip("CFTWATCH_TEST_REDIS_URL not set (CI sets it; see .ci/run)")
    pytest.importorskip("redis")
    return url


def test_redis_and_memory_keep_the_same_buffers(redis_url: str) -> None:
    redis_store = open_state_store(redis_url, prefix=f"test:{uuid.uuid4().hex}")
    memory = MemoryStateStore()
    try:
        legs = [
            Leg(t, f"t{t}", "in", Decimal("1.50"), f"s{t % 3}", "wallet")
            for t in (5.0, 1.0, 30.0, 12.0, 12.0, 45.0)
        ]
        for x in legs:
            assert redis_store.add("acct", x, 20) == memory.add("acct", x, 20)
        assert redis_store.claim_rebuild("g1") and not redis_store.claim_rebuild("g1")
        redis_store.mark_rebuilt("g1")
        assert redis_store.wait_rebuilt("g1", 1)
        loaded = redis_store.load([("other", legs[0]), ("other", legs[1])], 100)
        assert loaded == 2
    finally:
        redis_store.clear()
        redis_store.close()


def test_an_unreachable_redis_is_a_clear_error() -> None:
    pytest.importorskip("redis")
    with pytest.raises(StateUnavailable, match="cannot be reached"):
        open_state_store("redis://127.0.0.1:1/0")
    with pytest.raises(ConfigError):
        open_state_store("http://example.org")


def _pairs() -> list[list[tuple[str, Leg]]]:
    """Payments as their (account, leg) pairs: both sides, one side, the same account."""
    out = []
    for t in (5.0, 1.0, 30.0, 12.0, 12.0, 45.0, 46.0):
        amount = Decimal("2.25")
        out.append(
            [
                ("a", Leg(t, f"p{t}", "out", amount, "b", "wallet")),
                ("b", Leg(t, f"p{t}", "in", amount, "a", "wallet")),
            ]
        )
    out.append([("a", Leg(50.0, "self", "out", Decimal(1), "a", "wire"))])
    out.append(
        [
            ("a", Leg(51.0, "loop", "out", Decimal(1), "a", "wire")),
            ("a", Leg(51.0, "loop", "in", Decimal(1), "a", "wire")),
        ]
    )
    out.append([])
    return out


def test_add_many_is_add_for_each_leg_in_one_round_trip(redis_url: str) -> None:
    one_by_one = MemoryStateStore()
    together = MemoryStateStore()
    shared = open_state_store(redis_url, prefix=f"test:{uuid.uuid4().hex}")
    try:
        for pairs in _pairs():
            expected = [one_by_one.add(account, leg, 20) for account, leg in pairs]
            assert together.add_many(pairs, 20) == expected
            assert shared.add_many(pairs, 20) == expected
        # decoded once and cached: the same legs again read back equal
        assert shared.add("a", _pairs()[-2][0][1], 20) == one_by_one.add(
            "a", _pairs()[-2][0][1], 20
        )
    finally:
        shared.clear()
        shared.close()


def test_memory_add_many_without_redis() -> None:
    one_by_one, together = MemoryStateStore(), MemoryStateStore()
    for pairs in _pairs():
        assert together.add_many(pairs, 20) == [one_by_one.add(a, leg, 20) for a, leg in pairs]
