"""Per-account streaming state for decisions in flight: each account's recent payments
(a buffer evicted on read) in an embedded or a Redis store, and the streaming forms of
fan-in, structuring, pass-through and velocity decided on it (`signals`).

The stage knows nothing of the other stages: the application layer
(`cftwatch.app.decide`) feeds it payments and the monitoring rules' thresholds.
"""

from __future__ import annotations

from cftwatch.streaming.model import Leg, legs_of
from cftwatch.streaming.state import (
    MemoryStateStore,
    RedisStateStore,
    StateStore,
    StateUnavailable,
    open_state_store,
)
from cftwatch.streaming.windows import (
    FanIn,
    PassThrough,
    Signal,
    StreamingRules,
    Structuring,
    Velocity,
    signals,
)

__all__ = [
    "FanIn",
    "Leg",
    "MemoryStateStore",
    "PassThrough",
    "RedisStateStore",
    "Signal",
    "StateStore",
    "StateUnavailable",
    "StreamingRules",
    "Structuring",
    "Velocity",
    "legs_of",
    "open_state_store",
    "signals",
]
