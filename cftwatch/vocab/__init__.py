"""The project's vocabulary, defined once: severities, party and account types, channels and
channel groups, list sources' ids. Every stage imports these names from here (or through
`cftwatch.schema`), so a new channel or severity is one edit to a data file.

Nothing here does I/O beyond reading the package's own data files.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Literal

import yaml


class Severity(StrEnum):
    """How urgent an alert or case is, lowest first (the order is the rank)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """1 for low … 4 for critical."""
        return SEVERITIES.index(self.value) + 1


SEVERITIES: tuple[str, ...] = tuple(s.value for s in Severity)
"""Severity names, lowest first."""

SeverityName = Literal["low", "medium", "high", "critical"]


def severity_rank(value: str) -> int:
    """1 for low … 4 for critical; 0 for anything else (unknown sorts lowest)."""
    return SEVERITIES.index(value) + 1 if value in SEVERITIES else 0


def severity_rank_sql(column: str = "severity") -> str:
    """A SQL CASE expression ranking `column` like `severity_rank` (for ORDER BY)."""
    whens = " ".join(f"WHEN '{s}' THEN {i + 1}" for i, s in enumerate(SEVERITIES))
    return f"CASE {column} {whens} ELSE 0 END"


def lower_severity(a: str, b: str) -> str:
    """The lower of two severities."""
    return min(a, b, key=severity_rank)


PARTY_TYPES: tuple[str, ...] = ("individual", "business", "merchant", "agent", "npo")
"""`parties.party_type`: who a customer or counterparty is."""

ACCOUNT_TYPES: tuple[str, ...] = ("bank", "wallet", "agent", "merchant", "npo")
"""`accounts.account_type`: what kind of account it is."""


@cache
def _channel_data() -> dict[str, object]:
    text = resources.files(__package__).joinpath("channels.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert isinstance(data, dict)
    return data


def _channels() -> tuple[str, ...]:
    chans = _channel_data()["channels"]
    assert isinstance(chans, dict)
    return tuple(str(c) for c in chans)


CHANNELS: tuple[str, ...] = _channels()
"""Canonical payment channels (`transactions.channel`)."""


def channel_doc(channel: str) -> str:
    chans = _channel_data()["channels"]
    assert isinstance(chans, dict)
    return str(chans.get(channel, ""))


def channel_groups() -> dict[str, tuple[str, ...]]:
    """Named groups of channels (bank_transfer, wallet, cash, ...) from `channels.yaml`."""
    groups = _channel_data()["groups"]
    assert isinstance(groups, dict)
    return {str(k): tuple(str(c) for c in v) for k, v in groups.items()}


def expand_channels(names: list[str] | tuple[str, ...]) -> list[str]:
    """Channel names with any group name (e.g. `bank_transfer`) replaced by its members."""
    groups = channel_groups()
    out: list[str] = []
    for name in names:
        for ch in groups.get(name, (name,)):
            if ch not in out:
                out.append(ch)
    return out


__all__ = [
    "ACCOUNT_TYPES",
    "CHANNELS",
    "PARTY_TYPES",
    "SEVERITIES",
    "Severity",
    "SeverityName",
    "channel_doc",
    "channel_groups",
    "expand_channels",
    "lower_severity",
    "severity_rank",
    "severity_rank_sql",
]
