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
