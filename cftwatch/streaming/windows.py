"""The streaming forms of the monitoring rules, decided on one account's buffer at the
moment a payment arrives. Each is a pure function of (buffer, the new leg, parameters) and
returns a `Signal` with the numbers behind it, or None.

Thresholds are the batch rules' own parameters (the application layer reads them from the
workspace's rule config), so the service and `cftwatch monitor` agree on what counts;
the streaming forms look back from the new payment only, where the batch rules slide
their windows over all history.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cftwatch.streaming.model import Leg

HOUR = 3600.0
DAY = 86_400.0


@dataclass(frozen=True)
class Signal:
    """A streaming rule that fired: its id, a sentence, and the numbers it used."""

    rule_id: str
    message: str
    numbers: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "message": self.message, "numbers": self.numbers}


@dataclass(frozen=True)
class FanIn:
    min_senders: int = 15
    window_hours: int = 72
    max_payment: Decimal = Decimal(10_000)
    channels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Structuring:
    threshold: Decimal = Decimal(2_000_000)
    lower_fraction: float = 0.9
    min_deposits: int = 3
    window_days: int = 7
    channels: frozenset[str] = frozenset({"cash_in"})


@dataclass(frozen=True)
class PassThrough:
    min_amount: Decimal = Decimal(100_000)
    min_pass_share: float = 0.8
    max_pass_share: float = 1.0
    max_hours: int = 24
    out_channels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Velocity:
    factor: float = 10.0
    baseline_days: int = 14
    min_amount: Decimal = Decimal(500_000)
    min_payments: int = 3
    exclude_channels: frozenset[str] = frozenset()


@dataclass(frozen=True)
class StreamingRules:
    """The enabled streaming rules with their parameters (None: the rule is off)."""

    fan_in: FanIn | None = field(default_factory=FanIn)
    structuring: Structuring | None = field(default_factory=Structuring)
    pass_through: PassThrough | None = field(default_factory=PassThrough)
    velocity: Velocity | None = field(default_factory=Velocity)

    @property
    def horizon_s(self) -> float:
        """The longest look-back any enabled rule needs: how long a leg is kept."""
        spans = [DAY]
        if self.fan_in:
            spans.append(self.fan_in.window_hours * HOUR)
        if self.structuring:
            spans.append(self.structuring.window_days * DAY)
        if self.pass_through:
            spans.append(self.pass_through.max_hours * HOUR)
        if self.velocity:
            spans.append((self.velocity.baseline_days + 1) * DAY)
        return max(spans)


def _within(buffer: Sequence[Leg], now: float, span_s: float) -> list[Leg]:
    """The legs of a time-ordered buffer (as a state store returns it) in [now - span, now],
    found by bisection: a busy account's buffer holds the whole horizon's legs."""
    lo = bisect.bisect_left(buffer, now - span_s, key=_ts)
    hi = bisect.bisect_right(buffer, now, lo=lo, key=_ts)
    return list(buffer[lo:hi])


def _ts(leg: Leg) -> float:
    return leg.ts


def fan_in(buffer: Sequence[Leg], leg: Leg, p: FanIn) -> Signal | None:
    """Many distinct senders of small payments into the receiving account."""
    if leg.direction != "in":
        return None
    legs = [
        x
        for x in _within(buffer, leg.ts, p.window_hours * HOUR)
        if x.direction == "in"
        and x.amount <= p.max_payment
        and (not p.channels or x.channel in p.channels)
    ]
    senders = {x.counterparty for x in legs}
    if len(senders) < p.min_senders:
        return None
    total = sum((x.amount for x in legs), Decimal(0))
    return Signal(
        "crowdfunding_fan_in",
        f"{len(senders)} distinct senders paid {total} in {len(legs)} payments of at most "
        f"{p.max_payment} into this account within {p.window_hours} h "
        f"(threshold {p.min_senders} senders)",
        {
            "senders": len(senders),
            "payments": len(legs),
            "amount": total,
            "window_hours": p.window_hours,
            "min_senders": p.min_senders,
        },
    )


def structuring(buffer: Sequence[Leg], leg: Leg, p: Structuring) -> Signal | None:
    """Cash deposits just under the reporting threshold, repeated within the window."""
    low = p.threshold * Decimal(str(p.lower_fraction))
    if (
        leg.direction != "in"
        or leg.channel not in p.channels
        or not low <= leg.amount < p.threshold
    ):
        return None
    near = [
        x
        for x in _within(buffer, leg.ts, p.window_days * DAY)
        if x.direction == "in" and x.channel in p.channels and low <= x.amount < p.threshold
    ]
    if len(near) < p.min_deposits:
        return None
    total = sum((x.amount for x in near), Decimal(0))
    return Signal(
        "structuring",
        f"{len(near)} deposits between {low} and {p.threshold} ({total} in total) within "
        f"{p.window_days} days (threshold {p.min_deposits} deposits)",
        {
            "deposits": len(near),
            "amount": total,
            "threshold": p.threshold,
            "window_days": p.window_days,
            "min_deposits": p.min_deposits,
        },
    )


def pass_through(buffer: Sequence[Leg], leg: Leg, p: PassThrough) -> Signal | None:
    """Most of a recent large inflow leaving again within hours."""
    if leg.direction != "out" or (p.out_channels and leg.channel not in p.out_channels):
        return None
    recent = _within(buffer, leg.ts, p.max_hours * HOUR)
    inflow = sum(
        (x.amount for x in recent if x.direction == "in" and x.amount >= p.min_amount), Decimal(0)
    )
    if inflow <= 0:
        return None
    first_in = min(x.ts for x in recent if x.direction == "in" and x.amount >= p.min_amount)
    outflow = sum(
        (
            x.amount
            for x in recent
            if x.direction == "out"
            and x.ts >= first_in
            and (not p.out_channels or x.channel in p.out_channels)
        ),
        Decimal(0),
    )
    share = outflow / inflow
    if not Decimal(str(p.min_pass_share)) <= share <= Decimal(str(p.max_pass_share)):
        return None
    return Signal(
        "rapid_pass_through",
        f"{outflow} of {inflow} received left again within {p.max_hours} h "
        f"({float(share):.0%}; threshold {p.min_pass_share:.0%})",
        {
            "inflow": inflow,
            "outflow": outflow,
            "share": round(float(share), 4),
            "max_hours": p.max_hours,
            "min_pass_share": p.min_pass_share,
        },
    )


def velocity(buffer: Sequence[Leg], leg: Leg, p: Velocity) -> Signal | None:
    """A day's outflow far above the account's own daily mean before it."""
    if leg.direction != "out" or leg.channel in p.exclude_channels:
        return None
    outs = [x for x in buffer if x.direction == "out" and x.channel not in p.exclude_channels]
    day = [x for x in outs if leg.ts - DAY < x.ts <= leg.ts]
    day_sum = sum((x.amount for x in day), Decimal(0))
    if len(day) < p.min_payments or day_sum < p.min_amount:
        return None
    start = leg.ts - DAY - p.baseline_days * DAY
    before = sum((x.amount for x in outs if start < x.ts <= leg.ts - DAY), Decimal(0))
    mean = before / p.baseline_days
    if day_sum <= Decimal(str(p.factor)) * mean:
        return None
    return Signal(
        "velocity_spike",
        f"{day_sum} paid out in {len(day)} payments within 24 h against a daily mean of "
        f"{mean:.2f} over the {p.baseline_days} days before ({p.factor}x threshold)",
        {
            "day_outflow": day_sum,
            "payments": len(day),
            "baseline_mean": mean.quantize(Decimal("0.01")),
            "baseline_days": p.baseline_days,
            "factor": p.factor,
        },
    )


def signals(rules: StreamingRules, leg: Leg, buffer: Sequence[Leg]) -> list[Signal]:
    """Every streaming rule that fires for `leg` on its account's `buffer` (in time order,
    as a state store returns it)."""
    out: list[Signal | None] = []
    if rules.fan_in:
        out.append(fan_in(buffer, leg, rules.fan_in))
    if rules.structuring:
        out.append(structuring(buffer, leg, rules.structuring))
    if rules.pass_through:
        out.append(pass_through(buffer, leg, rules.pass_through))
    if rules.velocity:
        out.append(velocity(buffer, leg, rules.velocity))
    return [s for s in out if s is not None]
