"""Short constructors for the rules' parameters and lookbacks, so a rule module reads as a
table of names, defaults, bounds and sentences."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from cftwatch.monitoring.money import REFERENCE_CURRENCY, money_text
from cftwatch.monitoring.spec import Budget, ParamSpec, Sensitivity
from cftwatch.vocab import CHANNELS, PARTY_TYPES, channel_groups

MAX_DAYS = 365
"""The longest window or wait any rule accepts, in days (patterns spread over a year)."""
MAX_HOURS = 24 * MAX_DAYS
"""The same in hours."""
MAX_HOPS = 10
"""The longest cycle the cycle rules accept."""


def int_param(name: str, default: int, lo: int, hi: int, unit: str, doc: str) -> ParamSpec:
    return ParamSpec(
        name=name, kind="int", default=default, minimum=lo, maximum=hi, unit=unit, description=doc
    )


def float_param(
    name: str, default: float, lo: float, hi: float, unit: str, doc: str, floor: bool = False
) -> ParamSpec:
    """`floor=True`: a money floor on a single payment (see `ParamSpec.floor`)."""
    return ParamSpec(
        name=name,
        kind="float",
        default=default,
        minimum=lo,
        maximum=hi,
        unit=unit,
        description=doc,
        floor=floor,
    )


def money_param(
    name: str, default: float, lo: float, hi: float, doc: str, floor: bool = False
) -> ParamSpec:
    """A money amount: `default` is written in `REFERENCE_CURRENCY` and converted to the
    institution's currency at run time; a number in a rules file is in the institution's
    currency, `"250 USD"` in the one it names (`cftwatch.monitoring.money`)."""
    return ParamSpec(
        name=name,
        kind="money",
        default=money_text(default, REFERENCE_CURRENCY),
        minimum=lo,
        maximum=hi,
        unit="money",
        description=doc,
        floor=floor,
    )


def list_param(
    name: str, default: list[str], choices: tuple[str, ...] | None, doc: str
) -> ParamSpec:
    return ParamSpec(name=name, kind="str_list", default=default, choices=choices, description=doc)


def channels_param(name: str, default: list[str], doc: str) -> ParamSpec:
    """A list of canonical channels (`cftwatch.vocab.CHANNELS`) or channel groups
    (`bank_transfer`, `cash`, ... from `cftwatch/vocab/channels.yaml`), which stand for
    their members: the value after validation lists channels only."""
    return ParamSpec(
        name=name,
        kind="channel_list",
        default=default,
        choices=CHANNELS + tuple(g for g in channel_groups() if g not in CHANNELS),
        description=doc,
    )


def party_types_param(name: str, default: list[str], doc: str) -> ParamSpec:
    """A list of party types (`cftwatch.vocab.PARTY_TYPES`)."""
    return list_param(name, default, PARTY_TYPES, doc)


def days_lookback(name: str) -> Callable[[dict[str, Any]], dt.timedelta]:
    """A lookback of parameter `name` days."""
    return lambda p: dt.timedelta(days=p[name])


COUNTS = (12, 10, 8, 6, 5, 4, 3, 2)
"""Candidate values (strictest first) `rules calibrate` tries for a count of accounts."""
BURSTS = (8, 6, 4, 3, 2, 1.5, 1, 0)
"""Candidate values (strictest first) for how many times its own habit an account must
exceed (0: history not asked)."""


def explore(param: str, candidates: tuple[float, ...], metric: str | None = None) -> Sensitivity:
    """A `Sensitivity` step of a rule: `param` over `candidates` (strictest first)."""
    return Sensitivity(param=param, candidates=candidates, metric=metric)


NEW_COUNTERPARTY_BUDGET = Budget(
    hub_rate=2.0,
    why="the rule counts only counterparties new to the account, never the standing ones "
    "that make an account hub-like, so it has twice the hub budget",
)
"""The calibration budget of the rules that count only new one-off counterparties
(`one_off_fan_in`, `one_off_fan_out`, `one_off_collector`): a hub-like account they alert
had a burst of new payers or payees on top of its standing relationships, which is what they
look for (collecting and paying-out accounts of a laundering scheme also keep ordinary
customers), not an alert its volume alone raised."""
