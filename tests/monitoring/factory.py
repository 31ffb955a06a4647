"""Hand-built minimal data for rule tests: a few accounts and payments, nothing else."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pyarrow as pa

from cftwatch import schema as cs
from cftwatch.monitoring import resolve_rules_config, run_rules
from cftwatch.workspace import Workspace

T0 = dt.datetime(2026, 1, 10, 9, 0, tzinfo=dt.UTC)


class Book:
    """Collects payments, accounts and parties, then loads them into a workspace.

    `date_only=True` stamps every payment at midnight of its day (as a bank export that
    carries dates only): `hours` then only says which day."""

    def __init__(self, date_only: bool = False, currency: str = "PKR", scale: float = 1.0) -> None:
        self.date_only = date_only
        self.currency = currency
        self.scale = scale
        self.txns: list[dict[str, Any]] = []
        self.accounts: dict[str, dict[str, Any]] = {}
        self.parties: dict[str, dict[str, Any]] = {}

    def account(
        self,
        account_id: str,
        party_type: str = "individual",
        account_type: str = "wallet",
        country: str = "PK",
        region: str | None = "Lahore",
    ) -> str:
        self.accounts[account_id] = {
            "account_id": account_id,
            "party_id": f"P-{account_id}",
            "account_type": account_type,
            "country": country,
            "region": region,
        }
        self.parties[account_id] = {
            "party_id": f"P-{account_id}",
            "name": f"Holder of {account_id}",
            "kind": "organization" if party_type in ("business", "npo") else "person",
            "party_type": party_type,
            "country": country,
            "region": region,
        }
        return account_id

    def pay(
        self,
        debtor: str,
        creditor: str,
        amount: float | str,
        hours: float,
        channel: str = "wallet",
        purpose: str | None = None,
    ) -> str:
        txn_id = f"T{len(self.txns) + 1:04d}"
        d = self.accounts.get(debtor, {})
        c = self.accounts.get(creditor, {})
        self.txns.append(
            {
                "txn_id": txn_id,
                "ts": self._ts(hours),
                "amount": round(Decimal(str(amount)) * Decimal(str(self.scale)), 2),
                "currency": self.currency,
                "channel": channel,
                "purpose": purpose,
                "debtor_id": f"P-{debtor}",
                "debtor_name": f"Holder of {debtor}",
                "debtor_account": debtor,
                "debtor_country": d.get("country", "PK"),
                "debtor_region": d.get("region", "Lahore"),
                "creditor_id": f"P-{creditor}",
                "creditor_name": f"Holder of {creditor}",
                "creditor_account": creditor,
                "creditor_country": c.get("country", "PK"),
                "creditor_region": c.get("region", "Lahore"),
                "source_format": "test",
                "source_ref": f"book:{len(self.txns) + 1}",
                "load_id": "L1",
            }
        )
        return txn_id

    def _ts(self, hours: float) -> dt.datetime:
        ts = T0 + dt.timedelta(hours=hours)
        return ts.replace(hour=0, minute=0, second=0, microsecond=0) if self.date_only else ts

    def transactions(self) -> pa.Table:
        return pa.Table.from_pylist(self.txns, schema=cs.TRANSACTIONS)

    def load(self, ws: Workspace, only: list[str] | None = None) -> None:
        """Append the payments (or just `only`) and every account and party not loaded yet."""
        rows = [t for t in self.txns if only is None or t["txn_id"] in only]
        with ws.atomic() as tx:
            if rows:
                tx.append("transactions", pa.Table.from_pylist(rows, schema=cs.TRANSACTIONS))
            have = {r[0] for r in tx.query("SELECT account_id FROM accounts")}
            new = [a for k, a in self.accounts.items() if k not in have]
            if new:
                tx.append("accounts", pa.Table.from_pylist(new))
                tx.append(
                    "parties",
                    pa.Table.from_pylist([self.parties[a["account_id"]] for a in new]),
                )


def alerts_of(
    ws: Workspace,
    rule_id: str,
    params: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    since: str | None = None,
    engine: str = "duckdb",
) -> list[dict[str, Any]]:
    """Run one rule on `engine` without recording anything; its alerts as dicts."""
    raw: dict[str, Any] = {"rules": {rule_id: {"params": params or {}}}}
    if settings:
        raw["settings"] = settings
    cfg = resolve_rules_config(raw)
    run = run_rules(ws, cfg, engine=engine, rule_ids=[rule_id], since=since, record=False)
    return run.alerts.to_pylist()
