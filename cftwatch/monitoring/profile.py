"""What a run learns about the data before any rule runs, and the warnings it gives.

One pass over the transactions finds whether the data is date-only (every timestamp at
midnight), which channels occur, and the 99.9th percentile of the amounts. A rule whose
channel filter matches none of the data's channels, or whose money floor is above that
percentile, can raise nothing: the run summary says so instead of reporting a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine.base import Engine
from cftwatch.monitoring.config import RuleSetting

FLOOR_QUANTILE = 0.999
"""A money floor above this quantile of the data's amounts is warned about."""


@dataclass(frozen=True)
class DataProfile:
    transactions: int
    date_only: bool
    channels: frozenset[str]
    amount_q999: float | None


@dataclass(frozen=True)
class RuleWarning:
    rule_id: str
    kind: str  # "channels", "money_floor" or "currency"
    param: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "kind": self.kind,
            "param": self.param,
            "message": self.message,
        }


def profile(eng: Engine, txns: ir.Table) -> DataProfile:
    """Date-only flag, channels present and the amounts' 99.9th percentile (whole table)."""
    t = txns
    secs = t.ts.epoch_seconds().floor().cast("int64")
    row = eng.to_arrow(
        t.aggregate(
            n=t.count(),
            timed=(secs % 86400 != 0).cast("int64").sum(),
            q=t.amount.cast("float64").approx_quantile(FLOOR_QUANTILE),
        )
    ).to_pylist()[0]
    ch = eng.to_arrow(t.select("channel").distinct()).column("channel").to_pylist()
    n = int(row["n"] or 0)
    return DataProfile(
        transactions=n,
        date_only=n > 0 and int(row["timed"] or 0) == 0,
        channels=frozenset(c for c in ch if c is not None),
        amount_q999=float(row["q"]) if row["q"] is not None else None,
    )


def is_channel_filter(name: str, kind: str) -> bool:
    """A parameter that keeps only payments on the listed channels (not an exclusion)."""
    return kind == "channel_list" and not name.startswith("exclude")


def rule_warnings(settings: list[RuleSetting], data: DataProfile) -> list[RuleWarning]:
    """Why a rule cannot fire on this data: no payment on its channels, or a floor above
    the 99.9th percentile of the amounts. Empty data gets no warnings."""
    if data.transactions == 0:
        return []
    out: list[RuleWarning] = []
    for s in settings:
        for p in s.spec.params:
            value = s.params.get(p.name)
            if is_channel_filter(p.name, p.kind):
                if value and not data.channels & set(value):
                    present = ", ".join(sorted(data.channels)) or "none"
                    out.append(
                        RuleWarning(
                            s.spec.id,
                            "channels",
                            p.name,
                            f"{p.name} ({', '.join(value)}) matches no transaction; the data's "
                            f"channels are {present}",
                        )
                    )
            elif p.floor:
                q = data.amount_q999
                if q is not None and value is not None and float(value) > q:
                    out.append(
                        RuleWarning(
                            s.spec.id,
                            "money_floor",
                            p.name,
                            f"{p.name} {float(value):,.2f} is above the 99.9th percentile of the "
                            f"data's amounts ({q:,.2f}); set it in the institution's terms",
                        )
                    )
    return out


def data_currencies(eng: Engine, txns: ir.Table) -> set[str]:
    """The currencies the transactions are in."""
    found = eng.to_arrow(txns.select("currency").distinct()).column("currency").to_pylist()
    return {c for c in found if c is not None}


def currency_warnings(no_rate: list[str], currency: str) -> list[RuleWarning]:
    """One warning for the payments that could not be converted to the institution's
    currency: the rules compare them in their own currency."""
    if not no_rate:
        return []
    return [
        RuleWarning(
            "all rules",
            "currency",
            "institution.exchange_rates",
            f"payments in {', '.join(no_rate)} have no exchange rate to {currency} and are "
            f"compared in their own currency; add `<code>: <{currency} per unit>` under "
            "institution.exchange_rates in cftwatch.yaml",
        )
    ]
