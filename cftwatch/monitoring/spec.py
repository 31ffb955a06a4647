"""What a rule is: its documentation, its parameters (with types, defaults and bounds) and a
builder that turns the canonical transactions table into an Ibis expression of alerts.

A rule is data first: the docs, `cftwatch rules show`, the YAML validation and the alert's
`params` all come from the same `RuleSpec`. The builder is plain Ibis, so one definition
runs on DuckDB and on Spark.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cftwatch.jsontext import json_default
from cftwatch.monitoring.money import money_text, parse_money, parse_relative, relative_problem
from cftwatch.vocab import SeverityName, expand_channels

ParamKind = Literal["int", "float", "money", "str", "str_list", "country_list", "channel_list"]

ALERT_COLUMNS = (
    "subject_id",
    "window_start",
    "window_end",
    "txn_ids",
    "amount",
    "currency",
)
"""Columns every builder's expression must return; any further column is a metric."""

_COUNTRY = re.compile(r"^[A-Z]{2}$")


class ParamSpec(BaseModel):
    """One tunable number or list: name, type, default, bounds, unit and what it means."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    kind: ParamKind
    default: Any
    description: str
    unit: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] | None = Field(
        None, description="Allowed values (for `str` and the items of `str_list`)."
    )
    floor: bool = Field(
        False,
        exclude=True,
        description="A money floor on a single payment (the run warns when it is above the "
        "99.9th percentile of the data's amounts); totals are not floors.",
    )

    def check(self, value: Any) -> tuple[Any, str | None]:
        """(normalised value, None) when valid, else (value, reason)."""
        if self.kind == "money":
            return self._check_money(value)
        if self.kind in ("int", "float"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                return value, f"expected {'an integer' if self.kind == 'int' else 'a number'}"
            if self.kind == "int" and isinstance(value, float):
                if not value.is_integer():
                    return value, "expected an integer"
                value = int(value)
            if self.minimum is not None and value < self.minimum:
                return value, f"below the minimum {_num(self.minimum)}"
            if self.maximum is not None and value > self.maximum:
                return value, f"above the maximum {_num(self.maximum)}"
            return (int(value) if self.kind == "int" else float(value)), None
        if self.kind == "str":
            if not isinstance(value, str):
                return value, "expected a string"
            if self.choices and value not in self.choices:
                return value, f"expected one of {', '.join(self.choices)}"
            return value, None
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return value, "expected a list of strings"
        if self.kind == "country_list":
            bad = [v for v in value if not _COUNTRY.match(v)]
            if bad:
                return value, f"not ISO 3166-1 alpha-2 country codes: {', '.join(bad)}"
        if self.choices:
            bad = [v for v in value if v not in self.choices]
            if bad:
                return (
                    value,
                    f"unknown value(s) {', '.join(bad)}; expected {', '.join(self.choices)}",
                )
        if self.minimum is not None and len(value) < self.minimum:
            return value, f"needs at least {_num(self.minimum)} item(s)"
        if self.kind == "channel_list":  # group names (bank_transfer, ...) stand for members
            return sorted(set(expand_channels(value))), None
        return sorted(set(value)), None

    def _check_money(self, value: Any) -> tuple[Any, str | None]:
        """A number (the institution's currency), `"<amount> <ISO 4217>"` or a relative
        amount (`q99.5`, `3x_peer_median`; `cftwatch.monitoring.money`); bounds apply to the
        amount as written."""
        relative = parse_relative(value)
        if relative is not None:
            problem = relative_problem(relative, self.name, self.floor)
            return (value, problem) if problem else (relative.text(), None)
        parsed = parse_money(value)
        if parsed is None:
            return value, (
                "expected a number, an amount with its currency ('250 USD') or a relative "
                "amount ('q99.5', '3x_own_median', '3x_peer_median')"
            )
        amount, currency = parsed
        if self.minimum is not None and amount < self.minimum:
            return value, f"below the minimum {_num(self.minimum)}"
        if self.maximum is not None and amount > self.maximum:
            return value, f"above the maximum {_num(self.maximum)}"
        return (amount if currency is None else money_text(amount, currency)), None

    def bounds_text(self) -> str:
        if self.kind in ("int", "float", "money"):
            lo = "" if self.minimum is None else _num(self.minimum)
            hi = "" if self.maximum is None else _num(self.maximum)
            return f"{lo}..{hi}"
        if self.choices:
            return ", ".join(self.choices)
        if self.kind == "country_list":
            return "ISO alpha-2 codes"
        return ""


def _num(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


@dataclass(frozen=True)
class RuleInput:
    """What a builder gets: the prepared transactions and the reference tables.

    `txns` is the canonical transactions table (already restricted to the run's data range
    and the configured exclusions; `amount` and `currency` converted to the institution's
    currency where a rate is known, the original in `orig_amount`/`orig_currency`) plus
    `ts_s` (epoch seconds, int64), `amt` (float64), and the holder's `debtor_party_type`,
    `creditor_party_type` (an NPO-flagged party without a type is `npo`),
    `debtor_account_type`, `creditor_account_type`, `debtor_kyc_level` and
    `creditor_kyc_level` looked up in `parties` and `accounts`.
    `screening` holds screening alerts (`source = 'screening'`), or None when there are none.
    `date_only` is True when every timestamp of the data is at midnight (dates, no times).
    """

    txns: ir.Table
    accounts: ir.Table
    parties: ir.Table
    screening: ir.Table | None
    date_only: bool = False


class Sensitivity(BaseModel):
    """One parameter `rules calibrate` may move to spend the rule's alert budget: its
    candidate values from the strictest to the loosest (the configured value is added in
    its place when missing). `metric`: the parameter is a plain lower bound on this metric
    of the rule's alerts, so one run at the loosest value counts every candidate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    param: str
    candidates: tuple[float, ...] = Field(min_length=1)
    metric: str | None = None


class Budget(BaseModel):
    """A rule's share of the calibration budgets, as multiples of `rules calibrate`'s
    `--target-alert-rate` and `--hub-alert-rate` (1: the same budget as every rule)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_rate: float = Field(1.0, gt=0)
    hub_rate: float = Field(1.0, ge=0)
    why: str = ""


Builder = Callable[[RuleInput, dict[str, Any]], ir.Table]
Explainer = Callable[[dict[str, Any], dict[str, Any]], str]
Scorer = Callable[[dict[str, Any], dict[str, Any]], float]
Lookback = Callable[[dict[str, Any]], dt.timedelta | None]
SeverityCap = Callable[[dict[str, Any], dict[str, Any]], str]
Need = Literal["screening_alerts"]
"""Optional inputs a rule may need: `screening_alerts` is `RuleInput.screening`."""
DEFAULT_POSITION = 1000


class RuleSpec(BaseModel):
    """A monitoring rule: documentation, parameters and the code that evaluates it.

    `builder(input, params)` returns an Ibis table with `ALERT_COLUMNS` plus metric columns;
    `explain(metrics, params)` turns one row into a plain sentence with the actual numbers;
    `score(metrics, params)` gives its strength in 0..1; `lookback(params)` is how much
    history before `--since` the rule must read (None: all of it). `severity_cap(metrics,
    params)`, when given, is the most an alert can be rated from its own evidence: the
    configured severity is lowered to it, never raised.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    typology: str
    title: str
    description: str
    why: str = Field(description="Why the pattern matters for terrorist financing.")
    severity: SeverityName
    params: tuple[ParamSpec, ...]
    settings: tuple[str, ...] = Field(
        (), description="Shared settings the rule uses (high_risk_countries, ...)."
    )
    false_positives: str = Field("", description="Legitimate look-alikes an analyst will see.")
    sources: tuple[str, ...] = ()
    builder: Builder = Field(exclude=True)
    explain: Explainer = Field(exclude=True)
    score: Scorer = Field(exclude=True)
    lookback: Lookback = Field(exclude=True)
    severity_cap: SeverityCap | None = Field(None, exclude=True)
    needs: tuple[Need, ...] = Field(
        (),
        exclude=True,
        description="Inputs beyond the transactions the rule cannot run without; the runner "
        "skips it (and says why) while one is empty.",
    )
    entity_metric: str | None = Field(
        None, exclude=True, description="The metric that names the list entity behind an alert."
    )
    sensitivity: tuple[Sensitivity, ...] = Field(
        (),
        exclude=True,
        description="What `rules calibrate` explores, in order (each step on the budget, "
        "after the previous one is set); empty: calibration leaves the rule's counts alone.",
    )
    budget: Budget = Field(
        Budget(),
        exclude=True,
        description="The rule's share of the calibration budgets (alert rate, hub alerts).",
    )
    position: int = Field(
        DEFAULT_POSITION,
        exclude=True,
        description="Place in the pack's documented order (docs index, `rules list`, runs); "
        "ties are ordered by id.",
    )

    @model_validator(mode="after")
    def _sensitivity_names_params(self) -> RuleSpec:
        names = {p.name for p in self.params}
        bad = [s.param for s in self.sensitivity if s.param not in names]
        if bad:
            raise ValueError(f"rule {self.id}: sensitivity names unknown parameter(s) {bad}")
        return self

    def param(self, name: str) -> ParamSpec:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.check(p.default)[0] for p in self.params}

    def lookback_text(self) -> str:
        span = self.lookback(self.defaults())
        return "all history" if span is None else _span(span)


def _span(span: dt.timedelta) -> str:
    hours = span.total_seconds() / 3600
    return f"{hours:g} h" if hours < 72 else f"{hours / 24:g} days"


def params_hash(params: dict[str, Any]) -> str:
    """Stable short hash of a parameter set (keys sorted, lists sorted)."""
    text = json.dumps(params, sort_keys=True, separators=(",", ":"), default=json_default)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


__all__ = [
    "ALERT_COLUMNS",
    "Budget",
    "ParamSpec",
    "RuleInput",
    "RuleSpec",
    "Sensitivity",
    "params_hash",
]
