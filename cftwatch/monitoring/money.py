"""Money parameters with a unit: amounts in the institution's currency, defaults converted.

A money parameter (`kind="money"`) is written in a rules file either as a plain number,
meaning that many units of the institution's currency (`institution.currency` in
`cftwatch.yaml`, set by `cftwatch init --currency`), or as `"<amount> <ISO 4217 code>"`
(`"250 USD"`), converted at run time. Every built-in default is written once, in
`REFERENCE_CURRENCY`, and converted the same way, so a USD institution's floor means the
same money as a PKR institution's: changing the currency changes no rule's meaning.

Rates: `institution.exchange_rates` (units of the institution's currency per one unit of
the other currency) first; else `REFERENCE_RATES`, approximate USD values used only to
carry the defaults across currencies (set your own rates for exact figures).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from cftwatch.errors import ConfigError

if TYPE_CHECKING:
    from cftwatch.monitoring.config import RuleSetting

REFERENCE_CURRENCY = "PKR"
"""The currency the built-in money defaults are written in."""

REFERENCE_RATES: dict[str, float] = {
    "USD": 1.0,
    "EUR": 1.08,
    "GBP": 1.27,
    "AED": 1 / 3.6725,
    "SAR": 1 / 3.75,
    "INR": 1 / 83.0,
    "PKR": 1 / 280.0,
    "BDT": 1 / 110.0,
    "AFN": 1 / 70.0,
}
"""Approximate value in USD of one unit (2024 averages), only to carry defaults across."""

_MONEY = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*([A-Z]{3})\s*$")


def parse_money(value: Any) -> tuple[float, str | None] | None:
    """(amount, currency or None for 'the institution's') or None when not money."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value), None
    if isinstance(value, str):
        m = _MONEY.match(value.replace(",", "").replace("_", ""))
        if m:
            return float(m.group(1)), m.group(2)
    return None


def money_text(amount: float, currency: str) -> str:
    """The canonical written form, `"1000 PKR"`."""
    text = f"{amount:.2f}".rstrip("0").rstrip(".")
    return f"{text} {currency}"


def rate(src: str, dst: str, rates: Mapping[str, float] | None = None) -> float:
    """Units of `dst` per one unit of `src`: the workspace's `rates` (quoted in `dst`, the
    institution's currency) first, else the reference table; ConfigError when unknown."""
    if src == dst:
        return 1.0
    own = dict(rates or {})
    if src in own:
        return float(own[src])
    if src in REFERENCE_RATES and dst in REFERENCE_RATES:
        return REFERENCE_RATES[src] / REFERENCE_RATES[dst]
    raise ConfigError.at(
        f"no exchange rate from {src} to {dst}: add `{src}: <{dst} per 1 {src}>` under "
        "institution.exchange_rates in cftwatch.yaml",
        field="institution.exchange_rates",
        value=src,
    )


def to_currency(value: Any, currency: str, rates: Mapping[str, float] | None = None) -> float:
    """A money parameter's value as a number in `currency`."""
    parsed = parse_money(value)
    if parsed is None:
        raise ConfigError.at(f"not a money amount: {value!r}", value=value)
    amount, src = parsed
    return amount if src is None else amount * rate(src, currency, rates)


def resolve_setting(
    setting: RuleSetting, currency: str, rates: Mapping[str, float] | None = None
) -> RuleSetting:
    """The setting with each money parameter a number in the institution's `currency`."""
    params = dict(setting.params)
    for p in setting.spec.params:
        if p.kind == "money":
            params[p.name] = round(to_currency(params[p.name], currency, rates), 2)
    return replace(setting, params=params)


__all__ = [
    "REFERENCE_CURRENCY",
    "REFERENCE_RATES",
    "money_text",
    "parse_money",
    "rate",
    "resolve_setting",
    "to_currency",
]
