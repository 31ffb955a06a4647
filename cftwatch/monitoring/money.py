"""Money parameters with a unit: amounts in the institution's currency, defaults converted.

A money parameter (`kind="money"`) is written in a rules file either as a plain number,
meaning that many units of the institution's currency (`institution.currency` in
`cftwatch.yaml`, set by `cftwatch init --currency`), or as `"<amount> <ISO 4217 code>"`
(`"250 USD"`), converted at run time. Every built-in default is written once, in
`REFERENCE_CURRENCY`, and converted the same way, so a USD institution's floor means the
same money as a PKR institution's: changing the currency changes no rule's meaning.

Rates: `institution.exchange_rates` (units of the institution's currency per one unit of
the other currency) first; else `REFERENCE_RATES`, approximate USD values used only to
carry the defaults across currencies (set your own rates for exact figures). The same
rates convert each payment in another currency before the rules compare it
(`to_institution_currency`), so a USD payment and a PKR payment meet the same floor.

A money parameter may also be *relative* (`RelativeAmount`):

* `q99.5`: the 99.5th percentile of the institution's own payment amounts in the data of
  the run (converted), resolved to a number when the run starts; any money parameter;
* `3x_own_median`: 3 times the account's own median payment (sent or received);
* `3x_peer_median`: 3 times the median of the usual payments of the account's peer group
  (accounts of the same party type, account type and KYC level).

The two multiples differ per account, so they apply to per-payment floors named `min_*`
only: the run keeps, for that rule, the payments at least that multiple of the usual
amount of the account that sends or the account that receives them, and the rule's own
floor is then set to zero.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import ibis
import ibis.expr.types as ir

from cftwatch import schema as cs
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
    setting: RuleSetting,
    currency: str,
    rates: Mapping[str, float] | None = None,
    quantiles: Mapping[float, float] | None = None,
) -> RuleSetting:
    """The setting with each money parameter a number in the institution's `currency`:
    a quantile from `quantiles` (percentile -> amount, from `amount_quantiles`), a
    per-account multiple as zero (the run filters the payments instead, `account_floors`)."""
    params = dict(setting.params)
    for p in setting.spec.params:
        if p.kind != "money":
            continue
        rel = parse_relative(params[p.name])
        if rel is None:
            params[p.name] = round(to_currency(params[p.name], currency, rates), 2)
        elif rel.basis == "quantile":
            params[p.name] = round(float((quantiles or {})[rel.value]), 2)
        else:
            params[p.name] = 0.0
    return replace(setting, params=params)


# -- relative amounts --------------------------------------------------------------------

Basis = Literal["quantile", "own_median", "peer_median"]
_QUANTILE = re.compile(r"^\s*q(\d{1,2}(?:\.\d+)?|100)\s*$")
_MULTIPLE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*x_(own|peer)_median\s*$")


@dataclass(frozen=True)
class RelativeAmount:
    """A money amount relative to the data: a percentile of the institution's amounts, or
    a multiple of the account's (or its peer group's) median payment."""

    basis: Basis
    value: float
    """The percentile (0-100) or the multiple."""

    @property
    def per_account(self) -> bool:
        return self.basis != "quantile"

    def text(self) -> str:
        if self.basis == "quantile":
            return f"q{self.value:g}"
        return f"{self.value:g}x_{self.basis}"


def parse_relative(value: Any) -> RelativeAmount | None:
    """`q99.5`, `3x_own_median` or `3x_peer_median` as a RelativeAmount; None otherwise."""
    if not isinstance(value, str):
        return None
    q = _QUANTILE.match(value)
    if q:
        return RelativeAmount("quantile", float(q.group(1)))
    m = _MULTIPLE.match(value)
    if m:
        basis: Basis = "own_median" if m.group(2) == "own" else "peer_median"
        return RelativeAmount(basis, float(m.group(1)))
    return None


def relative_problem(value: RelativeAmount, name: str, floor: bool) -> str | None:
    """Why a relative amount cannot be used for parameter `name`, or None."""
    if value.basis == "quantile" and not 0 < value.value < 100:
        return "a quantile must be above q0 and below q100"
    if value.per_account:
        if not 0 < value.value <= 1000:
            return "the multiple must be above 0 and at most 1000"
        if not (floor and name.startswith("min_")):
            return "a multiple of the usual amount applies only to per-payment floors (min_*)"
    return None


def amount_quantiles(txns: ir.Table, percentiles: set[float]) -> ir.Table:
    """One row: the approximate amount at each percentile, as columns `q0`, `q1`, ..."""
    amt = txns.amt if "amt" in txns.columns else txns.amount.cast("float64")
    aggs = {f"q{i}": amt.approx_quantile(p / 100) for i, p in enumerate(sorted(percentiles))}
    return txns.aggregate(**aggs)


def relative_floors(setting: RuleSetting) -> dict[str, RelativeAmount]:
    """The setting's money parameters given as per-account multiples, by name."""
    out: dict[str, RelativeAmount] = {}
    for p in setting.spec.params:
        rel = parse_relative(setting.params.get(p.name)) if p.kind == "money" else None
        if rel is not None and rel.per_account:
            out[p.name] = rel
    return out


# -- per-payment conversion -------------------------------------------------------------

RATE_TYPE = "decimal(24, 12)"


def conversion_rates(
    currencies: set[str], currency: str, rates: Mapping[str, float] | None = None
) -> tuple[dict[str, Decimal], list[str]]:
    """(currency -> units of `currency` per unit, currencies with no known rate) for the
    currencies of the data other than the institution's."""
    found: dict[str, Decimal] = {}
    unknown: list[str] = []
    for c in sorted(currencies - {currency}):
        try:
            found[c] = Decimal(repr(rate(c, currency, rates))).quantize(Decimal("1e-12"))
        except ConfigError:
            unknown.append(c)
    return found, unknown


def to_institution_currency(
    txns: ir.Table, currency: str, rates: Mapping[str, Decimal]
) -> ir.Table:
    """Payments in a currency of `rates` converted to `currency` (amount and currency
    replaced; the original kept in `orig_amount` and `orig_currency`); others unchanged."""
    if not rates:
        return txns
    amount_type = cs.AMOUNT_TYPE
    converted: ir.Value = txns.amount
    for c, r in rates.items():
        scaled = (txns.amount * ibis.literal(r, type=RATE_TYPE)).cast(
            f"decimal({amount_type.precision}, {amount_type.scale})"
        )
        converted = ibis.ifelse(txns.currency == c, scaled, converted)
    known = txns.currency.isin(list(rates))
    return txns.mutate(
        orig_amount=txns.amount,
        orig_currency=txns.currency,
        amount=converted,
        currency=ibis.ifelse(known, ibis.literal(currency), txns.currency),
    )


__all__ = [
    "REFERENCE_CURRENCY",
    "REFERENCE_RATES",
    "RelativeAmount",
    "amount_quantiles",
    "conversion_rates",
    "money_text",
    "parse_money",
    "parse_relative",
    "rate",
    "relative_floors",
    "relative_problem",
    "resolve_setting",
    "to_currency",
    "to_institution_currency",
]
