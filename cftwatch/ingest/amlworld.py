"""AMLworld CSV: IBM's synthetic anti-money-laundering transactions (Altman et al., 2023).

Header `Timestamp,From Bank,Account,To Bank,Account,Amount Received,Receiving Currency,
Amount Paid,Payment Currency,Payment Format,Is Laundering`. `Account` appears twice, so
columns are read by position. AMLworld has no party ids: accounts (with their bank as the
agent) identify the parties, and `debtor_id`/`creditor_id` stay empty. The canonical amount is what the payer paid; a different
received amount/currency goes to the narrative. `Is Laundering` goes to the labels table.
"""

from __future__ import annotations

from pathlib import Path

from cftwatch.formats import AMLWORLD_HEADER
from cftwatch.ingest._core import Check, Source, derived_id, sql_str
from cftwatch.ingest._csv import (
    currency_names,
    raw_line_sql,
    read_csv_relation,
    read_header,
    require_header,
    too_many_fields,
)
from cftwatch.ingest.formats import SAMPLES_DIR, Context, DocRow, IngestFormat, register

HEADER = list(AMLWORLD_HEADER)

TIMESTAMP_FORMAT = "%Y/%m/%d %H:%M"
"""AMLworld writes minutes, no zone; read as UTC."""

CHANNELS = {
    "ACH": "ach",
    "Bitcoin": "crypto",
    "Cash": "cash_out",
    "Cheque": "cheque",
    "Credit Card": "card",
    "Reinvestment": "other",
    "Wire": "wire",
}
"""Payment Format -> canonical channel (the format itself is kept in `purpose`)."""


def _case_map(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN {sql_str(k)} THEN {sql_str(v)}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE NULL END"


def amlworld_source(path: Path, sha: str) -> Source:
    require_header(path, read_header(path), HEADER, "AMLworld")
    n = len(HEADER)
    names = currency_names()
    txn_id, id_params = derived_id("amlworld", sha, "_line")
    stage, stage_params = read_csv_relation(path, n)
    rel = (
        f"(SELECT r.*, try_strptime(c0, '{TIMESTAMP_FORMAT}') AS _ts, "
        "TRY_CAST(c7 AS DECIMAL(24,8)) AS _paid, TRY_CAST(c5 AS DECIMAL(24,8)) AS _recv, "
        f"{_case_map('c8', names)} AS _paid_cur, {_case_map('c6', names)} AS _recv_cur, "
        f"{_case_map('c9', CHANNELS)} AS _channel "
        "FROM _ingest_stage AS r)"
    )
    columns = {
        "txn_id": txn_id,
        "ts": "_ts",
        "amount": "_paid",
        "currency": "_paid_cur",
        "channel": "_channel",
        "debtor_account": "c2",
        "debtor_agent": "c1",
        "creditor_account": "c4",
        "creditor_agent": "c3",
        "purpose": "c9",
        "narrative": (
            "CASE WHEN _recv_cur IS DISTINCT FROM _paid_cur OR _recv IS DISTINCT FROM _paid "
            "THEN 'received ' || c5 || ' ' || _recv_cur END"
        ),
    }
    checks = [
        too_many_fields(n),
        Check("Timestamp", "c0", "c0 IS NULL", "missing timestamp (too few fields?)"),
        Check("Timestamp", "c0", "_ts IS NULL", "not a timestamp like 2022/09/01 00:20"),
        Check("From Bank", "c1", "c1 IS NULL", "missing payer bank"),
        Check("Account", "c2", "c2 IS NULL", "missing payer account"),
        Check("To Bank", "c3", "c3 IS NULL", "missing payee bank"),
        Check("Account", "c4", "c4 IS NULL", "missing payee account"),
        Check("Amount Received", "c5", "_recv IS NULL", "not a decimal amount"),
        Check("Amount Received", "c5", "_recv < 0", "negative amount"),
        Check("Receiving Currency", "c6", "_recv_cur IS NULL", "unknown currency name"),
        Check("Amount Paid", "c7", "_paid IS NULL", "not a decimal amount"),
        Check("Amount Paid", "c7", "_paid < 0", "negative amount"),
        Check("Payment Currency", "c8", "_paid_cur IS NULL", "unknown currency name"),
        Check("Payment Format", "c9", "_channel IS NULL", "unknown payment format"),
        Check(
            "Is Laundering",
            "c10",
            "c10 IS NULL OR c10 NOT IN ('0', '1')",
            "expected 0 or 1",
        ),
    ]
    return Source(
        relation=rel,
        stage=stage,
        record="_line",
        raw=raw_line_sql(n),
        columns=columns,
        checks=checks,
        labels={"laundering": "c10 = '1'"},
        ts_field=("Timestamp", "c0"),
        params={**stage_params, **id_params},
    )


def _read(ctx: Context) -> Source:
    return amlworld_source(ctx.path, ctx.sha)


FORMAT = register(
    IngestFormat(
        name="amlworld",
        summary="IBM AMLworld CSV (Is Laundering -> labels)",
        reader=_read,
        doc=DocRow(
            reads=(
                "IBM AMLworld CSV (`Timestamp,From Bank,Account,To Bank,Account,...`), "
                "columns by position"
            ),
            maps=(
                "Amount Paid/Payment Currency → amount/currency (currency *names* → ISO "
                "codes, `cftwatch/ingest/currencies.csv`); banks → agents; accounts; "
                "Payment Format → channel (ACH→ach, Bitcoin→crypto, Cash→cash_out, "
                "Cheque→cheque, Credit Card→card, Wire→wire, Reinvestment→other) and "
                "purpose; a different received amount → narrative"
            ),
            txn_id="`amlworld:<sha256[:12]>:<line>`",
            labels="`Is Laundering` = 1 → `laundering`",
        ),
        samples=tuple(SAMPLES_DIR / f for f in ("amlworld.csv",)),
    )
)
