"""Per-account windowed state: a buffer of recent legs per account, partitioned by account.

`StateStore` is the protocol; `MemoryStateStore` keeps the buffers in this process (the
default: nothing to install) and `RedisStateStore` in Redis or Valkey, shared by every
worker and host (one sorted set per account scored by time; its TTL is the longest window).
`add` records a leg and returns the account's buffer; legs older than the horizon before
it are evicted on that read.
"""

from __future__ import annotations

import bisect
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from cftwatch.errors import CftwatchError, ConfigError, DependencyMissing
from cftwatch.streaming.model import Leg


class StateUnavailable(CftwatchError):
    """The shared state store cannot be reached (the service answers 503)."""


DECODED_CACHE = 200_000
"""Decoded Redis members a process keeps (tens of MB at most), cleared when full."""
MAX_LEGS = 20_000
"""Most legs kept per account; a hub beyond it keeps its newest (windows then undercount)."""


@runtime_checkable
class StateStore(Protocol):
    def add(self, account: str, leg: Leg, horizon_s: float) -> list[Leg]:
        """Record `leg` (once: a repeat is ignored), evict legs older than `horizon_s`
        before it, and return the account's buffer in time order."""
        ...

    def add_many(self, legs: Sequence[tuple[str, Leg]], horizon_s: float) -> list[list[Leg]]:
        """`add` for each (account, leg) of one payment, in order: their buffers (Redis:
        one round trip for all)."""
        ...

    def load(self, legs: Iterable[tuple[str, Leg]], horizon_s: float) -> int:
        """Bulk-add legs at start (a rebuild); returns how many were added."""
        ...

    def claim_rebuild(self, generation: str) -> bool:
        """True for exactly one caller per `generation`: that one rebuilds the state (and
        then calls `mark_rebuilt`); the others wait for it (`wait_rebuilt`)."""
        ...

    def mark_rebuilt(self, generation: str) -> None: ...

    def wait_rebuilt(self, generation: str, timeout_s: float) -> bool: ...

    def clear(self) -> None: ...

    def close(self) -> None: ...


class MemoryStateStore:
    """Buffers in this process, each a time-sorted list guarded by one lock."""

    def __init__(self) -> None:
        self._legs: dict[str, list[Leg]] = {}
        self._members: dict[str, set[str]] = {}
        self._generations: set[str] = set()
        self._lock = threading.Lock()

    def add(self, account: str, leg: Leg, horizon_s: float) -> list[Leg]:
        with self._lock:
            self._put(account, leg)
            buffer = self._legs[account]
            cut = bisect.bisect_left(buffer, leg.ts - horizon_s, key=lambda x: x.ts)
            if cut:
                for old in buffer[:cut]:
                    self._members[account].discard(old.member)
                del buffer[:cut]
            return list(buffer)

    def add_many(self, legs: Sequence[tuple[str, Leg]], horizon_s: float) -> list[list[Leg]]:
        return [self.add(account, leg, horizon_s) for account, leg in legs]

    def _put(self, account: str, leg: Leg) -> None:
        members = self._members.setdefault(account, set())
        if leg.member in members:
            return
        buffer = self._legs.setdefault(account, [])
        members.add(leg.member)
        bisect.insort(buffer, leg)
        if len(buffer) > MAX_LEGS:
            members.discard(buffer.pop(0).member)

    def load(self, legs: Iterable[tuple[str, Leg]], horizon_s: float) -> int:
        count = 0
        with self._lock:
            for account, leg in legs:
                self._put(account, leg)
                count += 1
        return count

    def claim_rebuild(self, generation: str) -> bool:
        with self._lock:
            if generation in self._generations:
                return False
            self._generations.add(generation)
            return True

    def mark_rebuilt(self, generation: str) -> None:
        pass

    def wait_rebuilt(self, generation: str, timeout_s: float) -> bool:
        return True

    def accounts(self) -> int:
        return len(self._legs)

    def clear(self) -> None:
        with self._lock:
            self._legs.clear()
            self._members.clear()
            self._generations.clear()

    def close(self) -> None:
        pass


ADD_SCRIPT = """
local ttl, most = tonumber(ARGV[1]), tonumber(ARGV[2])
local out = {}
for i, key in ipairs(KEYS) do
  local at = 3 * i
  redis.call('ZADD', key, ARGV[at], ARGV[at + 1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[at + 2])
  redis.call('ZREMRANGEBYRANK', key, 0, -most - 1)
  redis.call('EXPIRE', key, ttl)
  out[i] = redis.call('ZRANGE', key, 0, -1)
end
return out
"""
"""`add_many` in Redis: per account key, its leg (score, member, eviction bound) added, the
legs beyond the horizon and beyond `MAX_LEGS` evicted, the TTL renewed, the buffer read."""


class RedisStateStore:
    """Buffers in Redis: key `<prefix>:a:<account>`, a sorted set of encoded legs scored by
    time. Each payment is one round trip: one script (`ADD_SCRIPT`: add, evict, expire,
    read for each of its legs), atomic as a MULTI/EXEC."""

    def __init__(self, url: str, *, prefix: str = "cftwatch", ttl_s: int | None = None) -> None:
        try:
            import redis
        except ModuleNotFoundError as exc:  # pragma: no cover - the server extra has it
            raise DependencyMissing(
                "Redis state needs redis-py: pip install 'cftwatch[server]'"
            ) from exc
        try:
            self._redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        except ValueError as exc:
            raise ConfigError.at(f"not a Redis URL: {exc}", field="state_url") from exc
        self._errors: tuple[type[Exception], ...] = (redis.RedisError,)
        self.prefix, self.ttl_s = prefix, ttl_s
        self._legs: dict[bytes, Leg] = {}
        self._add_script = self._redis.register_script(ADD_SCRIPT)
        self._masked = url.split("@")[-1]
        try:
            self._redis.ping()
        except self._errors as exc:
            raise StateUnavailable(f"state store {self._masked} cannot be reached: {exc}") from exc

    def _key(self, account: str) -> str:
        return f"{self.prefix}:a:{account}"

    def add(self, account: str, leg: Leg, horizon_s: float) -> list[Leg]:
        return self.add_many([(account, leg)], horizon_s)[0]

    def add_many(self, legs: Sequence[tuple[str, Leg]], horizon_s: float) -> list[list[Leg]]:
        """One round trip and one command for all of a payment's legs (`ADD_SCRIPT`, run
        atomically by Redis, as a MULTI/EXEC of the five commands per leg would be)."""
        if not legs:
            return []
        args: list[str | int] = [int(self.ttl_s or horizon_s) + 60, MAX_LEGS]
        for _account, leg in legs:
            args += [repr(leg.ts), leg.encode(), f"({leg.ts - horizon_s}"]
        try:
            result = self._add_script(keys=[self._key(a) for a, _ in legs], args=args)
        except self._errors as exc:
            raise StateUnavailable(f"state store {self._masked}: {exc}") from exc
        return [sorted(self._decoded(members)) for members in result]

    def _decoded(self, members: Sequence[bytes]) -> list[Leg]:
        """The legs of encoded members; each decoded once per process (a busy account's
        buffer is read back on every payment), the cache bounded."""
        cache = self._legs
        if len(cache) > DECODED_CACHE:
            cache.clear()
        out = []
        for m in members:
            leg = cache.get(m)
            if leg is None:
                leg = cache[m] = Leg.decode(m)
            out.append(leg)
        return out

    def _queue_add(self, pipe: object, key: str, leg: Leg, horizon_s: float) -> None:
        encoded = leg.encode()
        p = pipe  # redis.client.Pipeline; typed loosely so redis stays optional
        p.zadd(key, {encoded: leg.ts})  # type: ignore[attr-defined]
        p.zremrangebyscore(key, "-inf", f"({leg.ts - horizon_s}")  # type: ignore[attr-defined]
        p.zremrangebyrank(key, 0, -MAX_LEGS - 1)  # type: ignore[attr-defined]
        p.expire(key, int(self.ttl_s or horizon_s) + 60)  # type: ignore[attr-defined]

    def load(self, legs: Iterable[tuple[str, Leg]], horizon_s: float) -> int:
        count = 0
        pipe = self._redis.pipeline(transaction=False)
        for account, leg in legs:
            self._queue_add(pipe, self._key(account), leg, horizon_s)
            count += 1
            if count % 2_000 == 0:
                pipe.execute()
        pipe.execute()
        return count

    def claim_rebuild(self, generation: str) -> bool:
        claimed = self._redis.set(f"{self.prefix}:claim:{generation}", "1", nx=True, ex=3600)
        return bool(claimed)

    def mark_rebuilt(self, generation: str) -> None:
        self._redis.set(f"{self.prefix}:built:{generation}", "1", ex=86_400 * 30)

    def wait_rebuilt(self, generation: str, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._redis.exists(f"{self.prefix}:built:{generation}"):
                return True
            time.sleep(0.05)
        return False

    def clear(self) -> None:
        for key in self._redis.scan_iter(match=f"{self.prefix}:*", count=1000):
            self._redis.delete(key)

    def close(self) -> None:
        self._redis.close()


def open_state_store(url: str | None, *, prefix: str = "cftwatch") -> StateStore:
    """The embedded store for None (or `memory:`), Redis for `redis://`/`rediss://`/`unix://`."""
    if url is None or url in ("", "memory:"):
        return MemoryStateStore()
    if url.split(":", 1)[0] in ("redis", "rediss", "unix", "valkey"):
        return RedisStateStore(url.replace("valkey://", "redis://", 1), prefix=prefix)
    raise ConfigError.at(
        "state store URL must be redis://host:port/db (or memory:)", field="state_url", value=url
    )
