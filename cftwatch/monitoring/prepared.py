"""Prepared transactions for many rule evaluations over the same data.

`run_rules` prepares the data (currency conversion, customer context, epoch seconds) for
one run; calibration and sweeps evaluate one rule at many parameter values over the same
data. `PreparedData` does that preparation once, keeps the prepared table cached in the
engine, and answers "which accounts would this rule alert with these parameters" without
building alert rows (no sentences, no ids, nothing written).
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

import ibis.expr.types as ir

from cftwatch.engine import materialising as materialised
from cftwatch.engine.base import Engine
from cftwatch.monitoring.config import RuleSetting
from cftwatch.monitoring.context import prepare_transactions, with_usual_amounts
from cftwatch.monitoring.money import (
    amount_quantiles,
    conversion_rates,
    parse_relative,
    relative_floors,
    resolve_setting,
    to_institution_currency,
)
from cftwatch.monitoring.profile import data_currencies, profile
from cftwatch.monitoring.spec import RuleInput
from cftwatch.monitoring.standing import SharedStore, release_shared, shared_tables
from cftwatch.workspace import Workspace


class PreparedData:
    """The workspace's transactions prepared once for many rule evaluations (DuckDB or
    Spark). Use as a context manager: the engine caches are released on exit."""

    def __init__(self, ws: Workspace, engine: str = "duckdb") -> None:
        from cftwatch.monitoring.runner import _screening_alerts

        self.ws = ws
        self.eng: Engine = ws.engine(engine)
        ws.release_memory()
        inst = ws.config.institution
        self.currency, self.rates_config = inst.currency, inst.exchange_rates
        raw = self.eng.current_table("transactions")
        rates, _ = conversion_rates(
            data_currencies(self.eng, raw), inst.currency, inst.exchange_rates
        )
        self.txns = to_institution_currency(raw, inst.currency, rates)
        self.date_only = profile(self.eng, self.txns).date_only
        self.accounts = self.eng.current_table("accounts")
        self.parties = self.eng.current_table("parties")
        self.screening = _screening_alerts(ws, self.eng)
        self._quantiles: dict[float, float] = {}
        self._tables: dict[bool, ir.Table] = {}
        self._shared: SharedStore = {}

    def __enter__(self) -> PreparedData:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        from cftwatch.monitoring.runner import _release

        release_shared(self._shared)
        for t in self._tables.values():
            _release(t)
        self._tables.clear()

    def _table(self, usual: bool) -> ir.Table:
        """The prepared transactions (with each account's usual amounts when `usual`)."""
        if usual not in self._tables:
            t = prepare_transactions(self.txns, self.accounts, self.parties)
            self._tables[usual] = (with_usual_amounts(t) if usual else t).cache()
        return self._tables[usual]

    def _resolved(self, setting: RuleSetting) -> RuleSetting:
        wanted = set()
        for p in setting.spec.params:
            rel = parse_relative(setting.params.get(p.name)) if p.kind == "money" else None
            if rel is not None and rel.basis == "quantile" and rel.value not in self._quantiles:
                wanted.add(rel.value)
        if wanted:
            row = self.eng.to_arrow(amount_quantiles(self.txns, wanted)).to_pylist()[0]
            for i, q in enumerate(sorted(wanted)):
                self._quantiles[q] = float(row[f"q{i}"] or 0.0)
        return resolve_setting(setting, self.currency, self.rates_config, self._quantiles)

    def found(self, setting: RuleSetting, metrics: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        """The rule's alerts as `subject_id` plus the named metric columns (one row per
        alert the rule would raise; nothing is recorded)."""
        from cftwatch.monitoring.runner import _restrict

        if "screening_alerts" in setting.spec.needs and self.screening is None:
            return []
        floors = relative_floors(setting)
        table = _restrict(self._table(bool(floors)), setting, None, floors)
        inp = RuleInput(table, self.accounts, self.parties, self.screening, self.date_only)
        params = self._resolved(setting).params
        stored = materialised.mark()
        try:
            with shared_tables(self._shared):  # kept for the next evaluation
                expr = setting.spec.builder(inp, params)
                expr = expr.filter(expr.subject_id.notnull()).select("subject_id", *metrics)
                return self.eng.to_arrow(expr).to_pylist()
        finally:  # the rule's intermediate tables (cycle search steps): memory back
            materialised.drop_since(stored)

    def alerted_accounts(self, setting: RuleSetting) -> set[str]:
        """The accounts the rule would alert with this setting."""
        return {r["subject_id"] for r in self.found(setting)}


__all__ = ["PreparedData"]
