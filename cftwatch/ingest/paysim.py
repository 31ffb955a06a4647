"""PaySim CSV: the synthetic mobile-money log of Lopez-Rojas et al. (2016).

`step` is hours after a start time the caller gives (`--start`; step 0 is the start, the
log begins at step 1); amounts carry no currency, so the caller gives one (default: the
institution's). `isFraud` goes to the labels table; `isFlaggedFraud` (the simulated
system's own flag) and the balances are not canonical and are not loaded.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from cftwatch.ingest._core import Check, Source, derived_id, sql_str
from cftwatch.ingest._csv import (
    raw_line_sql,
    read_csv_relation,
    read_header,
    require_header,
    too_many_fields,
)
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register

HEADER = [
    "step",
    "type",
    "amount",
    "nameOrig",
    "oldbalanceOrg",
    "newbalanceOrig",
    "nameDest",
    "oldbalanceDest",
    "newbalanceDest",
    "isFraud",
    "isFlaggedFraud",
]

CHANNELS = {
    "CASH_IN": "cash_in",
    "CASH_OUT": "cash_out",
    "DEBIT": "ibft",
    "PAYMENT": "merchant",
    "TRANSFER": "wallet",
}
"""PaySim `type` -> canonical channel (DEBIT moves money to a bank account)."""


def paysim_source(path: Path, sha: str, start: datetime, currency: str) -> Source:
    require_header(path, read_header(path), HEADER, "PaySim")
    n = len(HEADER)
    channel = "CASE c1 " + " ".join(
        f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in CHANNELS.items()
    )
    rel = (
        "(SELECT r.*, TRY_CAST(c0 AS INTEGER) AS _step, TRY_CAST(c2 AS DECIMAL(24,8)) AS _amount, "
        f"{channel} END AS _channel FROM _ingest_stage AS r)"
    )
    txn_id, id_params = derived_id("paysim", sha, "_line")
    stage, stage_params = read_csv_relation(path, n)
    columns = {
        "txn_id": txn_id,
        "ts": "CAST($start AS TIMESTAMPTZ) + to_hours(_step)",
        "amount": "_amount",
        "currency": "CAST($currency AS VARCHAR)",
        "channel": "_channel",
        "debtor_id": "c3",
        "debtor_account": "c3",
        "creditor_id": "c6",
        "creditor_account": "c6",
        "purpose": "c1",
    }
    checks = [
        too_many_fields(n),
        Check(
            "step",
            "c0",
            "_step IS NULL OR NOT regexp_full_match(trim(c0), '-?[0-9]+')",
            "not a whole number of hours",
        ),
        Check("step", "c0", "_step < 0", "negative step"),
        Check("type", "c1", "_channel IS NULL", f"unknown type (one of {', '.join(CHANNELS)})"),
        Check("amount", "c2", "_amount IS NULL", "not a decimal amount"),
        Check("amount", "c2", "_amount < 0", "negative amount"),
        Check("nameOrig", "c3", "c3 IS NULL", "missing payer"),
        Check("nameDest", "c6", "c6 IS NULL", "missing payee"),
        Check("isFraud", "c9", "c9 IS NULL OR c9 NOT IN ('0', '1')", "expected 0 or 1"),
    ]
    return Source(
        relation=rel,
        stage=stage,
        record="_line",
        raw=raw_line_sql(n),
        columns=columns,
        checks=checks,
        labels={"fraud": "c9 = '1'"},
        ts_field=("step", "c0"),
        params={**stage_params, **id_params, "start": start.isoformat(), "currency": currency},
    )


def _read(ctx: Context) -> Source:
    assert ctx.start is not None  # ingest_files checks `needs_start`
    return paysim_source(ctx.path, ctx.sha, ctx.start, ctx.currency)


FORMAT = register(
    IngestFormat(
        name="paysim",
        summary="PaySim CSV (step = hours after --start; isFraud -> labels)",
        reader=_read,
        doc=DocRow(
            reads="PaySim CSV",
            maps=(
                "`step` → `--start` + step hours; type → channel (TRANSFER→wallet, "
                "PAYMENT→merchant, CASH_IN/OUT, DEBIT→ibft); nameOrig/nameDest → ids and "
                "accounts; `--currency` (default the institution's)"
            ),
            txn_id="`paysim:<sha256[:12]>:<line>`",
            labels="`isFraud` = 1 → `fraud`",
        ),
        needs_start=True,
        samples=tuple(SAMPLES_DIR / f for f in ("paysim.csv",)),
    )
)
