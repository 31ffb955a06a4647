"""What every route depends on: the server context (open workspace folder, operational
store, decision engine) and the caller (`current_actor`, from an API key; `require_role`).

Identity comes only from an API key (`Authorization: Bearer <key>` or `X-API-Key`), never
from a header or field naming a user. A verified key is remembered for `key_cache_s`
seconds, so a revoked key stops working within that time on every worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import Depends, Request

from cftwatch.app.screening import LiveScreener
from cftwatch.screening import Screener
from cftwatch.server.errors import ApiError
from cftwatch.store import ROLES, OperationalStore, key_owner
from cftwatch.workspace import Workspace

if TYPE_CHECKING:
    from cftwatch.app.decide import DecisionEngine
    from cftwatch.server.decisions import GroupCommitter

__all__ = [
    "Actor",
    "ServerContext",
    "ServerSettings",
    "current_actor",
    "get_context",
    "require_role",
]


@dataclass(frozen=True)
class Actor:
    """The caller: a user of the store, their role now, and the key they used."""

    name: str
    role: str
    key_id: str

    def has_role(self, needed: str) -> bool:
        return ROLES.index(self.role) >= ROLES.index(needed)


@dataclass(frozen=True)
class ServerSettings:
    """The service's limits; each has a default that suits one machine."""

    max_body_bytes: int = 1_048_576
    """Largest request body accepted (413 above it): 1 MiB holds a batch of ~1,000 payments."""
    rate_per_s: float = 5_000.0
    """Requests per second one API key may make on one worker (429 above it)."""
    rate_burst: float = 10_000.0
    """Requests one key may make at once before the rate applies."""
    key_cache_s: float = 5.0
    """How long a verified key is trusted without asking the store again (revocation delay)."""
    max_batch: int = 1_000
    """Most payments or names in one batch request."""
    fast_path: bool = True
    """Answer ordinary single payments without the framework (`server.fastpath`); the
    answers are the same either way."""


@dataclass
class ServerContext:
    """What the server holds while it runs. The analytical store (DuckDB) is not held open:
    routes that need it open it for the request (`workspace()`), so CLI commands on the
    served workspace never meet a lock held by the server."""

    workspace_path: Path
    store: OperationalStore
    settings: ServerSettings = field(default_factory=ServerSettings)
    decisions: DecisionEngine | None = None
    committer: GroupCommitter | None = None
    fast_answers: int = 0
    """Payments answered by `server.fastpath` (the rest by the routes)."""
    _lists: LiveScreener | None = None
    _keys: dict[str, tuple[float, Actor | None]] = field(default_factory=dict)
    _buckets: dict[str, tuple[float, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def workspace(self, *, read_only: bool = True) -> Iterator[Workspace]:
        """The workspace's analytical store for the length of one request."""
        ws = Workspace.open(self.workspace_path, read_only=read_only)
        try:
            yield ws
        finally:
            ws.close()

    def lists(self) -> LiveScreener:
        """The screener over the workspace's active lists: loaded once, reloaded when a
        list is updated (through the API or the CLI) while the server runs."""
        if self.decisions is not None:
            return self.decisions.lists
        with self._lock:
            if self._lists is None:
                self._lists = LiveScreener.load(self.workspace_path)
            return self._lists

    def screener(self) -> Screener:
        """The screener over the lists active now."""
        return self.lists().current()[1]

    def actor_for(self, presented: str) -> Actor | None:
        now = time.monotonic()
        cached = self._keys.get(presented)
        if cached is not None and now - cached[0] < self.settings.key_cache_s:
            return cached[1]
        owner = key_owner(self.store, presented)
        actor = None if owner is None else Actor(owner.user, owner.role, owner.key_id)
        with self._lock:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[presented] = (now, actor)
        return actor

    def take_token(self, key_id: str) -> bool:
        """A token bucket per key: False when the key is over its rate."""
        now = time.monotonic()
        rate, burst = self.settings.rate_per_s, self.settings.rate_burst
        with self._lock:
            tokens, last = self._buckets.get(key_id, (burst, now))
            tokens = min(burst, tokens + (now - last) * rate)
            if tokens < 1.0:
                self._buckets[key_id] = (tokens, now)
                return False
            self._buckets[key_id] = (tokens - 1.0, now)
            return True

    def close(self) -> None:
        if self.committer is not None:
            self.committer.close()
        if self.decisions is not None:
            self.decisions.close()
        self.store.close()


async def get_context(request: Request) -> ServerContext:
    ctx: ServerContext = request.app.state.ctx
    return ctx


def _presented_key(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    api_key = request.headers.get("x-api-key")
    return api_key.strip() if api_key and api_key.strip() else None


async def current_actor(request: Request) -> Actor:
    """The caller from their API key: 401 without a valid one, 429 over the key's rate."""
    presented = _presented_key(request)
    unauthorized = {"headers": {"WWW-Authenticate": 'Bearer realm="cftwatch"'}}
    if presented is None:
        raise ApiError(
            401,
            "Unauthorized",
            "an API key is needed (Authorization: Bearer <key>)",
            **unauthorized,
        )
    ctx: ServerContext = request.app.state.ctx
    actor = ctx.actor_for(presented)
    if actor is None:
        raise ApiError(
            401, "Unauthorized", "this API key is not valid or was revoked", **unauthorized
        )
    if not ctx.take_token(actor.key_id):
        raise ApiError(
            429,
            "TooManyRequests",
            "this API key is over its request rate",
            headers={"Retry-After": "1"},
        )
    request.state.actor = actor
    return actor


def require_role(needed: str) -> Callable[..., Awaitable[Actor]]:
    """A dependency: the caller, if their role is `needed` or higher; else 403."""
    if needed not in ROLES:  # pragma: no cover - a programming error in a route
        raise ValueError(f"unknown role {needed!r}")

    async def dependency(actor: Actor = Depends(current_actor)) -> Actor:
        if not actor.has_role(needed):
            raise ApiError(
                403, "AccessDenied", f"{actor.name} is {actor.role}: this needs the {needed} role"
            )
        return actor

    return dependency


def actor_of(request: Request) -> Any:
    """The actor `current_actor` set on this request, or None (for logging)."""
    return getattr(request.state, "actor", None)
